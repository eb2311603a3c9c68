import { RevocationRpc, type RpcContract } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import type { RpcClient } from '@certctl/messaging';
import { type CreatedCa, createRootCa, signOcspResponder } from '@certctl/pki';
import type { RevocationConfig } from '../config';
import type { OcspResponderData, OcspResponderRepository, OcspResponderRow } from './ocsp-responder.repository';
import { OcspResponderService } from './ocsp-responder.service';

const TX = { tx: 'the install transaction' } as unknown as Prisma.TransactionClient;
const DAY = 86_400_000;

/** The ocsp_responders table in memory; installs happen under the issuer's lock, in its transaction. */
class MemoryResponders {
  readonly rows = new Map<string, OcspResponderRow>();
  locked = 0;
  async findByIssuer(issuerId: string) {
    return this.rows.get(issuerId) ?? null;
  }
  async withIssuerLock<T>(_issuerId: string, install: (tx: Prisma.TransactionClient) => Promise<T>) {
    this.locked++;
    return install(TX);
  }
  async save(issuerId: string, data: OcspResponderData, tx: Prisma.TransactionClient) {
    expect(tx).toBe(TX);
    const row = { issuerId, ...data, createdAt: new Date(), updatedAt: new Date() };
    this.rows.set(issuerId, row);
    return row;
  }
}

describe('OcspResponderService', () => {
  let ca: CreatedCa;
  beforeAll(async () => {
    ca = await createRootCa({ commonName: 'Spec Root', keyAlgorithm: 'ECDSA-P256', validityDays: 365 });
  });

  const setup = () => {
    const responders = new MemoryResponders();
    const issued: unknown[] = [];
    const rpc = {
      request: jest.fn(async (contract: RpcContract, body: { public_key_spki_base64: string; validity_days: number }) => {
        expect(contract.subject).toBe(RevocationRpc.ocspResponderIssue.subject);
        issued.push(body);
        const cert = await signOcspResponder({
          issuer: ca,
          subjectPublicKeySpki: Buffer.from(body.public_key_spki_base64, 'base64'),
          commonName: 'Spec OCSP Responder',
          validityDays: body.validity_days,
        });
        return { certificate_pem: cert.certificatePem, not_after: cert.notAfter.toISOString() };
      }),
    } as unknown as RpcClient;
    const config = {
      CERTCTL_ENCRYPTION_KEY: 'k'.repeat(32),
      CERTCTL_OCSP_RESPONDER_VALIDITY_DAYS: 30,
      CERTCTL_OCSP_RESPONDER_RENEW_DAYS: 7,
    } as RevocationConfig;
    const service = new OcspResponderService(responders as unknown as OcspResponderRepository, rpc, config);
    return { service, responders, issued, config, rpc };
  };

  it('ok/the first signer installs a responder under the issuer lock, its key stored encrypted; later calls reuse it', async () => {
    const { service, responders, issued } = setup();
    const signer = await service.signer('iss-1');
    expect(await service.signer('iss-1')).toBe(signer);
    expect(issued).toHaveLength(1);
    expect(responders.locked).toBe(1);
    const row = responders.rows.get('iss-1')!;
    expect(row.certificatePem).toContain('BEGIN CERTIFICATE');
    expect(Buffer.from(row.encryptedKey).toString('utf8')).not.toContain('PRIVATE KEY');
  });

  it('ok/another replica (a new service) opens the stored responder without a lock or a new certificate', async () => {
    const first = setup();
    await first.service.signer('iss-1');
    const second = new OcspResponderService(first.responders as unknown as OcspResponderRepository, {} as RpcClient, first.config);
    await second.signer('iss-1');
    expect(first.responders.locked).toBe(1);
    expect(first.issued).toHaveLength(1);
  });

  it('ok/a responder within its renewal window is replaced', async () => {
    const { service, responders, issued, config, rpc } = setup();
    await service.signer('iss-1');
    const row = responders.rows.get('iss-1')!;
    row.notAfter = new Date(Date.now() + 3 * DAY);
    const replacement = new OcspResponderService(responders as unknown as OcspResponderRepository, rpc, config);
    await replacement.signer('iss-1');
    expect(issued).toHaveLength(2);
    expect(responders.locked).toBe(2);
    expect(responders.rows.get('iss-1')!.notAfter.getTime()).toBeGreaterThan(Date.now() + 20 * DAY);
  });
});
