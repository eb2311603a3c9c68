import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@certctl/contracts';
import { createCsr, generateKeyPair, parseCertificate } from '@certctl/pki';
import { type StepCaServer, startStepCa } from '@certctl/testing';
import type { IssueRequest, IssuedLeaf, IssuerContext } from '../src/connectors/connector';
import { type StepcaConfig, StepcaConnector } from '../src/connectors/stepca.connector';

/** The stepca connector against a real step-ca (tools/stepca/install-step-ca.sh builds it once). */

const connector = new StepcaConnector();
let ca: StepCaServer;
let dir: string;

function issuer(config: Record<string, unknown> = {}): IssuerContext<StepcaConfig> {
  const raw = {
    url: ca.url,
    provisioner: ca.provisioner,
    provisioner_encrypted_key: ca.encryptedKey,
    provisioner_password: ca.password,
    root_fingerprint: ca.rootFingerprint,
    ...config,
  };
  return { id: 'iss-stepca-test', name: 'step-ca test', type: 'stepca', config: connector.configSchema.parse(raw) };
}

async function request(commonName: string, sans: string[]): Promise<IssueRequest> {
  const keys = await generateKeyPair('ECDSA-P256');
  const csr = await createCsr({ keys, commonName, sans });
  return {
    jobId: `job-${commonName}`,
    csrPem: () => Promise.resolve(csr),
    publicKey: keys.publicKey,
    commonName,
    sans,
    validityDays: 7,
    ekus: ['serverAuth'],
    profileId: null,
  };
}

/** openssl verify of the leaf against step-ca's root, the connector's chain as the untrusted intermediates. */
function verify(leaf: IssuedLeaf): string {
  writeFileSync(join(dir, 'root.pem'), ca.rootPem);
  writeFileSync(join(dir, 'chain.pem'), leaf.chainPem);
  writeFileSync(join(dir, 'leaf.pem'), leaf.certificatePem);
  return execFileSync(
    'openssl',
    ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), '-purpose', 'sslserver', join(dir, 'leaf.pem')],
    { encoding: 'utf8' },
  ).trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certctl-stepca-int-'));
  ca = await startStepCa();
}, 900000); // the first run on a machine builds step-ca
afterAll(() => ca?.stop());

describe('stepca connector', () => {
  it('ok/issues through /1.0/sign with a one-time token; the leaf carries the names and verifies against the root', async () => {
    const r = await request('app.stepca.example.com', ['app.stepca.example.com', 'api.stepca.example.com', '10.0.0.9']);
    const leaf = (await connector.issue(issuer(), r)) as IssuedLeaf;
    expect(verify(leaf)).toBe(`${join(dir, 'leaf.pem')}: OK`);
    const info = await parseCertificate(leaf.certificatePem);
    expect(info.sans.sort()).toEqual(['10.0.0.9', 'api.stepca.example.com', 'app.stepca.example.com']);
    expect(info.issuer).toContain('step-ca test intermediate');
    // the requested validity (7 days), not step-ca's 24 h default
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBeGreaterThan(6.9 * 86400000);
    // a renewal is a new signature for the new CSR
    const renewed = (await connector.renew(issuer(), await request('app.stepca.example.com', ['app.stepca.example.com']))) as IssuedLeaf;
    expect(renewed.serialNumber).not.toBe(leaf.serialNumber);
    expect(verify(renewed)).toBe(`${join(dir, 'leaf.pem')}: OK`);
  });

  it("ok/revokes through /1.0/revoke: the serial is in step-ca's CRL; revoking again is fine", async () => {
    const leaf = (await connector.issue(issuer(), await request('gone.stepca.example.com', ['gone.stepca.example.com']))) as IssuedLeaf;
    await connector.revoke(issuer(), { serialNumber: leaf.serialNumber!, reason: 'keyCompromise' });
    expect(await ca.revokedSerials()).toContain(leaf.serialNumber!.replace(/^0+/, ''));
    await expect(connector.revoke(issuer(), { serialNumber: leaf.serialNumber!, reason: 'keyCompromise' })).resolves.toBeUndefined();
  });

  it('ok/health check: /health, the key, and the provisioner as step-ca lists it; the chain from /intermediates and /roots', async () => {
    expect(await connector.healthCheck(issuer())).toEqual({
      ok: true,
      detail: expect.stringMatching(
        new RegExp(`^step-ca at ${ca.url} is healthy; JWK provisioner certctl \\(kid [A-Za-z0-9_-]{43}\\) is ready$`),
      ),
    });
    const chain = await connector.caChain(issuer());
    expect(chain).toContain(ca.rootPem.trim());
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    // trusting a CA bundle instead of the fingerprint
    expect((await connector.healthCheck(issuer({ root_fingerprint: undefined, ca_bundle_pem: ca.rootPem }))).ok).toBe(true);
  });

  it('fail/a wrong password is a clear health check failure and a terminal issuance error', async () => {
    const wrong = issuer({ provisioner_password: 'not-the-password' });
    expect(await connector.healthCheck(wrong)).toEqual({
      ok: false,
      detail: expect.stringContaining('the provisioner key of certctl cannot be decrypted with the configured password'),
    });
    const err = await connector.issue(wrong, await request('x.stepca.example.com', ['x.stepca.example.com'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false });
  });

  it("fail/a root fingerprint step-ca does not have, an unknown provisioner, and a refused request are terminal with step-ca's reason", async () => {
    const fingerprint = await connector.healthCheck(issuer({ root_fingerprint: 'ab'.repeat(32) }));
    expect(fingerprint.ok).toBe(false);
    expect(fingerprint.detail).toMatch(/^step-ca root download: 404 /);
    const unknown = await connector.healthCheck(issuer({ provisioner: 'nobody' }));
    expect(unknown).toEqual({ ok: false, detail: `step-ca at ${ca.url} has no JWK provisioner named nobody` });
    // longer than the provisioner's maxTLSCertDuration (2400 h): step-ca refuses, trying again cannot help
    const tooLong = { ...(await request('long.stepca.example.com', ['long.stepca.example.com'])), validityDays: 365 };
    const err = await connector.issue(issuer(), tooLong).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false, message: expect.stringMatching(/^step-ca sign: 40[03] /) });
  });

  it('ok/a CA that does not answer is a retryable failure', async () => {
    const err = await connector
      .issue(
        issuer({ url: 'https://127.0.0.1:1', ca_bundle_pem: ca.rootPem, root_fingerprint: undefined }),
        await request('y.stepca.example.com', ['y.stepca.example.com']),
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: true, message: expect.stringMatching(/^step-ca sign: .*ECONNREFUSED/) });
  });
});
