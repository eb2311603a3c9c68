import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { AppError, IssuanceScepRa } from '@certctl/contracts';
import { type CreatedCa, createIntermediateCa, createRootCa } from '@certctl/pki';
import type { IssuerService } from './issuer.service';
import { ScepRaHandler } from './scep-ra.handler';

describe('SCEP RA certificates (issuance)', () => {
  let root: CreatedCa;
  let mid: CreatedCa;
  let handler: ScepRaHandler;
  beforeAll(async () => {
    root = await createRootCa({ commonName: 'Unit Root', keyAlgorithm: 'ECDSA-P384', validityDays: 400 });
    mid = await createIntermediateCa({ issuer: root, commonName: 'Unit Issuing CA', keyAlgorithm: 'ECDSA-P256', validityDays: 300 });
    const issuers = {
      ca: async (id: string) => {
        if (id !== 'iss-mid') throw AppError.notFound('issuer', id);
        return mid;
      },
      chainPem: async () => `${mid.certificatePem}${root.certificatePem}`,
    };
    handler = new ScepRaHandler(issuers as unknown as IssuerService);
  });

  const request = (issuer_id = 'iss-mid') => IssuanceScepRa.issue.request.parse({ issuer_id, profile_label: 'demo', validity_days: 120 });

  it('ok/an RSA-2048 RA certificate for signing and key encipherment, signed by the profile issuer, the whole chain returned', async () => {
    const r = await handler.issue(request());
    expect(IssuanceScepRa.issue.response.safeParse(r).success).toBe(true);
    const ra = new X509Certificate(r.certificate_pem);
    const key = createPrivateKey(r.private_key_pem);
    expect(ra.checkPrivateKey(key)).toBe(true);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(ra.subject).toBe('CN=certctl SCEP RA demo');
    expect(ra.verify(new X509Certificate(mid.certificatePem).publicKey)).toBe(true);
    expect(ra.ca).toBe(false);
    const text = execFileSync('openssl', ['x509', '-noout', '-ext', 'keyUsage,extendedKeyUsage'], {
      input: r.certificate_pem,
      encoding: 'utf8',
    });
    expect(text).toMatch(/Digital Signature, Key Encipherment/);
    expect(text).not.toContain('Extended Key Usage');
    expect(r.chain_pem).toContain(mid.certificatePem.trim());
    expect(r.chain_pem).toContain(root.certificatePem.trim());
    expect(new Date(r.not_after).getTime() - new Date(r.not_before).getTime()).toBeGreaterThan(119 * 86400_000);
  });

  it('err/an unknown issuer is the not_found of that issuer', async () => {
    await expect(handler.issue(request('iss-none'))).rejects.toMatchObject({ code: 'not_found' });
  });
});
