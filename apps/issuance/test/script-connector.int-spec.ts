import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError } from '@certctl/contracts';
import { processAlive } from '@certctl/testing';
import { type CryptoKeyPair, createCsr, generateKeyPair } from '@certctl/pki';
import { type IssueOutcome, type IssueRequest, type IssuedLeaf, type IssuerContext, isPending } from '../src/connectors/connector';
import { type ScriptConfig, ScriptConnector } from '../src/connectors/script.connector';

/** The script connector against real processes: openssl as the CA, and scripts that misbehave. */

const FIXTURES = resolve(__dirname, 'fixtures');
const SIGN = join(FIXTURES, 'openssl-sign.sh');
const MISBEHAVE = join(FIXTURES, 'misbehave.sh');
const MAKE_CA = join(FIXTURES, 'make-ca.sh');
// Scripts may run from the fixtures and from the temporary folders the tests write.
const connector = new ScriptConnector({ CERTCTL_SCRIPT_CONNECTOR_DIRS: [FIXTURES, tmpdir()] });
let dir: string;
let keys: CryptoKeyPair;
let request: IssueRequest;

function issuer(config: Partial<ScriptConfig> & { executable: string }): IssuerContext<ScriptConfig> {
  return { id: 'iss-script-test', name: 'Script test', type: 'script', config: connector.configSchema.parse(config) };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the script connector to fail');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certctl-script-ca-'));
  execFileSync(MAKE_CA, [dir], { stdio: 'pipe' });
  keys = await generateKeyPair('ECDSA-P256');
  const sans = ['app.script.example.com', 'api.script.example.com'];
  const csr = await createCsr({ keys, commonName: sans[0]!, sans });
  request = {
    jobId: 'job-script-1',
    csrPem: () => Promise.resolve(csr),
    publicKey: keys.publicKey,
    commonName: sans[0]!,
    sans,
    validityDays: 30,
    ekus: ['serverAuth'],
    profileId: null,
  };
});

describe('script connector', () => {
  it('ok/an openssl x509 -req script signs the CSR; the leaf verifies with openssl against the CA and carries the names', async () => {
    const leaf = (await connector.issue(issuer({ executable: SIGN, args: [dir] }), request)) as IssuedLeaf;
    expect(leaf.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(leaf.chainPem).toBe(readFileSync(join(dir, 'ca.pem'), 'utf8').trim() + '\n');
    writeFileSync(join(dir, 'leaf.pem'), leaf.certificatePem);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'leaf.pem')], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('DNS:app.script.example.com, DNS:api.script.example.com');
    // renew is the same operation for a script
    const renewed = (await connector.renew(issuer({ executable: SIGN, args: [dir] }), request)) as IssuedLeaf;
    expect(renewed.serialNumber).not.toBe(leaf.serialNumber);
  });

  it("fail/a certificate for another key than the CSR's is refused (terminal)", async () => {
    const other = await generateKeyPair('ECDSA-P256');
    const err = await failure(connector.issue(issuer({ executable: SIGN, args: [dir] }), { ...request, publicKey: other.publicKey }));
    expect(err).toMatchObject({
      code: 'issuer_failure',
      retryable: false,
      message: "the script's certificate is not for the CSR's public key",
    });
  });

  it('fail/a certificate lacking a requested name is refused (terminal)', async () => {
    const err = await failure(
      connector.issue(issuer({ executable: SIGN, args: [dir] }), { ...request, sans: [...request.sans, 'extra.script.example.com'] }),
    );
    expect(err.retryable).toBe(false);
    expect(err.message).toBe("the script's certificate lacks requested names: extra.script.example.com");
  });

  it('fail/a script running past its timeout is killed with its whole process group (retryable)', async () => {
    const pidFile = join(dir, 'child.pid');
    const started = Date.now();
    const err = await failure(connector.issue(issuer({ executable: MISBEHAVE, args: ['sleep', pidFile], timeout_ms: 1000 }), request));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: true, message: 'the script ran longer than 1000 ms and was killed' });
    expect(Date.now() - started).toBeLessThan(60000);
    const child = Number(readFileSync(pidFile, 'utf8').trim());
    expect(child).toBeGreaterThan(0);
    // SIGKILL is delivered asynchronously; give the kernel a moment to reap the orphan.
    for (let i = 0; i < 50 && processAlive(child); i++) await new Promise((r) => setTimeout(r, 100));
    expect(processAlive(child)).toBe(false);
  });

  it('fail/output past the size limit is refused (terminal)', async () => {
    const err = await failure(connector.issue(issuer({ executable: MISBEHAVE, args: ['flood'] }), request));
    expect(err).toMatchObject({ retryable: false, message: 'the script wrote more than 1048576 bytes to stdout' });
  });

  it.each([
    ['garbage', 'the script output holds no PEM certificate'],
    ['badpem', 'the script output is not a valid certificate'],
  ])('fail/output that is not a certificate (%s) is refused (terminal)', async (mode, message) => {
    const err = await failure(connector.issue(issuer({ executable: MISBEHAVE, args: [mode] }), request));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(message);
  });

  it('fail/a non-zero exit is terminal and names the first line of stderr', async () => {
    const err = await failure(connector.issue(issuer({ executable: MISBEHAVE, args: ['fail'] }), request));
    expect(err).toMatchObject({ retryable: false, message: 'the script exited with 3: ca refused: profile "web" is unknown' });
  });

  it('ok/exit code 75 (EX_TEMPFAIL) is retryable', async () => {
    const err = await failure(connector.issue(issuer({ executable: MISBEHAVE, args: ['tempfail'] }), request));
    expect(err).toMatchObject({ retryable: true, message: 'the script exited with 75: ca busy, try later' });
  });

  it('fail/an executable that does not exist is terminal', async () => {
    const err = await failure(connector.issue(issuer({ executable: join(dir, 'missing.sh') }), request));
    expect(err).toMatchObject({ retryable: false, message: `cannot run ${join(dir, 'missing.sh')}: ENOENT` });
  });

  it('ok/the script gets only the fixed environment and the config env, request data only on stdin', async () => {
    const envScript = join(dir, 'env.sh');
    writeFileSync(
      envScript,
      `#!/bin/sh\ncat > "${join(dir, 'stdin.txt')}"\nenv | sort > "${join(dir, 'env.txt')}"\necho "$#" > "${join(dir, 'argc.txt')}"\nexit 75\n`,
    );
    chmodSync(envScript, 0o755);
    await failure(connector.issue(issuer({ executable: envScript, env: { CA_TOKEN: 's3cret' } }), request));
    const env = readFileSync(join(dir, 'env.txt'), 'utf8').trim().split('\n');
    expect(env.filter((l) => !/^(PWD|SHLVL|_|OLDPWD)=/.test(l))).toEqual([
      'CA_TOKEN=s3cret',
      'CERTCTL_ISSUER_ID=iss-script-test',
      'CERTCTL_OPERATION=issue',
      'LANG=C',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    expect(readFileSync(join(dir, 'stdin.txt'), 'utf8')).toBe(await request.csrPem());
    expect(readFileSync(join(dir, 'argc.txt'), 'utf8').trim()).toBe('0');
  });

  it('ok/the health check finds a missing or non-executable file, and a dry run issues through the script', async () => {
    expect(await connector.healthCheck(issuer({ executable: join(dir, 'missing.sh') }))).toEqual({
      ok: false,
      detail: `${join(dir, 'missing.sh')}: ENOENT`,
    });
    expect(await connector.healthCheck(issuer({ executable: join(dir, 'ca.pem') }))).toEqual({
      ok: false,
      detail: `${join(dir, 'ca.pem')} is not executable`,
    });
    expect(await connector.healthCheck(issuer({ executable: SIGN, args: [dir] }))).toEqual({
      ok: true,
      detail: `${SIGN} exists and is executable`,
    });
    const dry = await connector.healthCheck(issuer({ executable: SIGN, args: [dir], dry_run_on_test: true }));
    expect(dry.ok).toBe(true);
    expect(dry.detail).toMatch(/issued a test certificate \(serial [0-9a-f]+, issuer CN=Script Test CA\)/);
    const broken = await connector.healthCheck(issuer({ executable: MISBEHAVE, args: ['fail'], dry_run_on_test: true }));
    expect(broken).toEqual({ ok: false, detail: 'dry run failed: the script exited with 3: ca refused: profile "web" is unknown' });
  });

  it('ok/a revocation runs the script with revoke_args and "<serial> <reason>" on stdin; without revoke_args nothing runs', async () => {
    await connector.revoke(issuer({ executable: SIGN, args: ['unused'] }), { serialNumber: 'abc123', reason: 'superseded' });
    expect(() => readFileSync(join(dir, 'revoked.txt'), 'utf8')).toThrow(/ENOENT/);
    await connector.revoke(issuer({ executable: SIGN, revoke_args: [dir] }), { serialNumber: 'abc123', reason: 'superseded' });
    expect(readFileSync(join(dir, 'revoked.txt'), 'utf8')).toBe('abc123 superseded\n');
    const err = await failure(
      connector.revoke(issuer({ executable: MISBEHAVE, revoke_args: ['tempfail'] }), { serialNumber: 'abc123', reason: 'superseded' }),
    );
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: true });
  });
});

describe('script connector: an asynchronous CA', () => {
  const ASYNC = join(FIXTURES, 'async-ca.sh');

  it('ok/a PENDING answer is an order; polls answer pending until the CA is done, then the checked leaf', async () => {
    const caDir = mkdtempSync(join(tmpdir(), 'certctl-async-ca-'));
    execFileSync(MAKE_CA, [caDir], { stdio: 'pipe' });
    const config = issuer({ executable: ASYNC, args: [caDir, '2'] });
    const first: IssueOutcome = await connector.issue(config, request);
    expect(first).toEqual({ pending: true, orderId: expect.stringMatching(/^ord-[0-9a-f]{16}$/), detail: 'accepted for validation' });
    const orderId = (first as { orderId: string }).orderId;
    const poll = () => connector.poll(config, { ...request, orderId });
    expect(await poll()).toEqual({ pending: true, orderId, detail: 'validation in progress' });
    await new Promise((r) => setTimeout(r, 2100));
    const done = await poll();
    expect(isPending(done)).toBe(false);
    const leaf = done as IssuedLeaf;
    writeFileSync(join(caDir, 'leaf.pem'), leaf.certificatePem);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(caDir, 'ca.pem'), join(caDir, 'leaf.pem')], { encoding: 'utf8' });
    expect(out.trim()).toBe(`${join(caDir, 'leaf.pem')}: OK`);
    expect(readFileSync(join(caDir, 'polls.log'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('fail/a poll of an order the CA refuses is terminal with its reason; a malformed order id is refused', async () => {
    const caDir = mkdtempSync(join(tmpdir(), 'certctl-async-ca-'));
    const config = issuer({ executable: ASYNC, args: [caDir, '0'] });
    const err = await failure(connector.poll(config, { ...request, orderId: 'ord-unknown' }));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false, message: 'the script exited with 3: unknown order ord-unknown' });
    const script = join(caDir, 'bad-order.sh');
    writeFileSync(script, `#!/bin/sh\ncat > /dev/null\necho "PENDING $(printf 'x%.0s' $(seq 1 300))"\n`);
    chmodSync(script, 0o755);
    const bad = await failure(connector.issue(issuer({ executable: script }), request));
    expect(bad).toMatchObject({ retryable: false, message: expect.stringContaining('order id that is not 1-256 printable ASCII') });
  });
});
