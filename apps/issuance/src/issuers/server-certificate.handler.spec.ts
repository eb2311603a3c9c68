import { X509Certificate, createPrivateKey } from 'node:crypto';
import { AppError, PlatformTlsRpc } from '@certctl/contracts';
import { type CreatedCa, createIntermediateCa, createRootCa } from '@certctl/pki';
import type { IssuerService } from './issuer.service';
import { ServerCertificateHandler } from './server-certificate.handler';

describe('platform server certificates (issuance)', () => {
  let root: CreatedCa;
  let mid: CreatedCa;
  let handler: ServerCertificateHandler;
  beforeAll(async () => {
    root = await createRootCa({ commonName: 'Unit Root', keyAlgorithm: 'ECDSA-P384', validityDays: 365 });
    mid = await createIntermediateCa({ issuer: root, commonName: 'Unit Issuing CA', keyAlgorithm: 'ECDSA-P256', validityDays: 200 });
    const issuers = {
      ca: async (id: string) => {
        if (id !== 'iss-mid') throw AppError.notFound('issuer', id);
        return mid;
      },
      chainPem: async () => `${mid.certificatePem}${root.certificatePem}`,
    };
    handler = new ServerCertificateHandler(issuers as unknown as IssuerService);
  });

  const request = (o: Partial<{ issuer_id: string; names: string[]; validity_days: number }> = {}) =>
    PlatformTlsRpc.serverCertificateIssue.request.parse({
      issuer_id: 'iss-mid',
      names: ['localhost', '127.0.0.1', '::1', 'pki.example.com'],
      validity_days: 30,
      requester: 'gateway',
      ...o,
    });

  it('ok/a P-256 serverAuth leaf for the names, its key returned once, the chain without the root, the root as the bundle', async () => {
    const r = await handler.issue(request());
    expect(PlatformTlsRpc.serverCertificateIssue.response.safeParse(r).success).toBe(true);
    const leaf = new X509Certificate(r.certificate_pem);
    const key = createPrivateKey(r.private_key_pem);
    expect(leaf.checkPrivateKey(key)).toBe(true);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(leaf.subject).toBe('CN=localhost');
    expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:pki.example.com');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(new X509Certificate(mid.certificatePem).publicKey)).toBe(true);
    expect(r.chain_pem.trim()).toBe(mid.certificatePem.trim());
    expect(r.root_pem.trim()).toBe(root.certificatePem.trim());
    const days = (new Date(r.not_after).getTime() - new Date(r.not_before).getTime()) / 86400_000;
    expect(Math.round(days)).toBe(30);
    expect(r.serial_number).toBe(leaf.serialNumber.toLowerCase());
  });

  it('ok/every call makes a new key (nothing is kept to hand out twice)', async () => {
    const [a, b] = [await handler.issue(request()), await handler.issue(request())];
    expect(a.private_key_pem).not.toBe(b.private_key_pem);
    expect(a.serial_number).not.toBe(b.serial_number);
  });

  it.each([
    [{ names: [] }, 'names'],
    [{ names: ['admin@example.com'] }, 'names.0'],
    [{ names: ['https://example.com'] }, 'names.0'],
    [{ validity_days: 398 }, 'validity_days'],
    [{ issuer_id: '../etc' }, 'issuer_id'],
  ])('fail/%j is refused by the contract at %s', (o, path) => {
    const r = PlatformTlsRpc.serverCertificateIssue.request.safeParse({
      issuer_id: 'iss-mid',
      names: ['localhost'],
      validity_days: 30,
      requester: 'gateway',
      ...o,
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('fail/an unknown issuer is a not_found problem', async () => {
    await expect(handler.issue(request({ issuer_id: 'iss-none' }))).rejects.toMatchObject({ code: 'not_found' });
  });
});
