import { X509Certificate } from 'node:crypto';
import { AppError } from '@certctl/contracts';
import { type CreatedCa, createRootCa, generateKeyPair } from '@certctl/pki';
import type { IssueRequest } from './connector';
import { LocalConnector } from './local.connector';

describe('LocalConnector validity', () => {
  let ca: CreatedCa;
  let connector: LocalConnector;

  beforeAll(async () => {
    ca = await createRootCa({ commonName: 'Local Spec Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
    const issuers = { ca: jest.fn(async () => ca), chainPem: jest.fn(async () => ca.certificatePem) };
    connector = new LocalConnector(issuers as never, { CERTCTL_PUBLIC_BASE_URL: 'https://certctl.test/' } as never);
  });

  async function request(over: Partial<IssueRequest>): Promise<IssueRequest> {
    const keys = await generateKeyPair('ECDSA-P256');
    return {
      jobId: 'job-1',
      csrPem: () => Promise.reject(new Error('the local CA signs the public key, no CSR needed')),
      publicKey: keys.publicKey,
      commonName: 'short.example.com',
      sans: ['short.example.com'],
      validityDays: 90,
      ekus: ['serverAuth'],
      profileId: 'prof-short',
      ...over,
    };
  }

  const issuer = { id: 'iss-local', name: 'Local', type: 'local' as const, config: {} };
  const window = (pem: string) => {
    const x = new X509Certificate(pem);
    return { notBefore: new Date(x.validFrom).getTime(), notAfter: new Date(x.validTo).getTime() };
  };

  it('signs for validitySeconds when given (notAfter = backdated notBefore + seconds), over validityDays', async () => {
    const before = Date.now();
    const leaf = await connector.issue(issuer as never, await request({ validitySeconds: 600 }));
    const { notBefore, notAfter } = window(leaf.certificatePem);
    // notBefore keeps its minute of clock-skew backdating; both ends count (RFC 5280), hence 599 s.
    expect(notBefore).toBeGreaterThanOrEqual(Math.floor((before - 60_000) / 1000) * 1000);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 59_000);
    expect(notAfter - notBefore).toBe(599_000);
  });

  it('signs for validityDays when no seconds are given', async () => {
    const leaf = await connector.issue(issuer as never, await request({ validityDays: 7 }));
    const { notBefore, notAfter } = window(leaf.certificatePem);
    expect(notAfter - notBefore + 1000).toBe(7 * 86_400_000);
  });

  it("refuses (terminal) a validity longer than the profile's max_validity_seconds", async () => {
    const err = await connector
      .issue(issuer as never, await request({ validitySeconds: 900, policy: { maxValiditySeconds: 600, maxValidityDays: 90 } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false });
    expect((err as Error).message).toMatch(/validity of 900 seconds exceeds the maximum of 600 seconds/);
  });
});
