import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';

/** Connector issuers through the gateway: a script CA (openssl x509 -req), encrypted config, the test endpoint. */

const run = Date.now().toString(36);
const FIXTURES = join(ROOT, 'apps', 'issuance', 'test', 'fixtures');
const SIGN = join(FIXTURES, 'openssl-sign.sh');
const MISBEHAVE = join(FIXTURES, 'misbehave.sh');

describe('script connector issuers', () => {
  let caDir: string;
  let db: Client;

  beforeAll(async () => {
    caDir = mkdtempSync(join(tmpdir(), 'certctl-e2e-script-ca-'));
    execFileSync(join(FIXTURES, 'make-ca.sh'), [caDir], { stdio: 'pipe' });
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
  });
  afterAll(() => db.end());

  it('ok/a script issuer signs a server-mode certificate end to end; openssl verifies it; the config is encrypted and its secrets masked', async () => {
    const created = await api('POST', '/api/v1/issuers', {
      body: {
        id: `iss-script-${run}`,
        name: `Script CA ${run}`,
        type: 'script',
        config: { executable: SIGN, args: [caDir], revoke_args: [caDir], env: { CA_TOKEN: `token-${run}` }, timeout_ms: 20000 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/issuers/iss-script-${run}`);
    expect(created.body).toMatchObject({
      type: 'script',
      ca_certificate_pem: null,
      config: { executable: SIGN, args: [caDir], env: { CA_TOKEN: '********' }, timeout_ms: 20000, max_output_bytes: 1048576 },
    });
    const got = await api('GET', `/api/v1/issuers/${created.body.id}`);
    expect(JSON.stringify(got.body)).not.toContain(`token-${run}`);
    const row = await db.query('SELECT config::text AS config, encrypted_config FROM issuers WHERE id = $1', [created.body.id]);
    expect(row.rows[0].config).not.toContain(`token-${run}`);
    expect(Buffer.from(row.rows[0].encrypted_config).toString('latin1')).not.toContain(`token-${run}`);

    const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`script-${run}`), issuer_id: created.body.id } });
    expect(cert.status).toBe(201);
    const active = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${cert.body.id}`);
        return c.body.status === 'active' ? c.body : undefined;
      },
      30000,
      'the script-issued certificate to become active',
    );
    expect(active.current_version).toMatchObject({ key_source: 'server', issuer_id: created.body.id });
    const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-script-'));
    writeFileSync(join(dir, 'leaf.pem'), active.certificate_pem);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(caDir, 'ca.pem'), '-purpose', 'sslserver', join(dir, 'leaf.pem')], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    expect(active.chain_pem).toContain('BEGIN CERTIFICATE');
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain(`DNS:www.script-${run}.example.com`);
    expect(text).toContain('IP Address:10.0.0.7');

    const metrics = await fetch(`http://127.0.0.1:${readState().ports.issuance}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/certctl_issuance_total\{[^}]*issuer_type="script",result="ok"[^}]*\} [1-9]/);

    // Revocation goes to the script CA first (revoke_args), then the platform records it.
    const revoked = await api('POST', `/api/v1/certificates/${cert.body.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    expect(readFileSync(join(caDir, 'revoked.txt'), 'utf8')).toBe(`${active.serial_number} keyCompromise\n`);
  });

  it('fail/a script that refuses makes the job terminal after one attempt, with the reason on the job row', async () => {
    const issuer = await api('POST', '/api/v1/issuers', {
      body: { name: `Refusing CA ${run}`, type: 'script', config: { executable: MISBEHAVE, args: ['fail'] } },
    });
    expect(issuer.status).toBe(201);
    const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`refused-${run}`), issuer_id: issuer.body.id } });
    expect(cert.status).toBe(201);
    const job = await waitFor(
      async () => {
        const j = await api('GET', `/api/v1/jobs/${cert.body.job_id}`);
        return j.body.status === 'failed' ? j.body : undefined;
      },
      30000,
      'the job to fail',
    );
    expect(job.attempts).toBe(1);
    expect(job.last_error).toBe('issuer_failure: the script exited with 3: ca refused: profile "web" is unknown');
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('failed');
  });

  it("fail/a connector config is checked by the connector's schema: 422 naming each field; unknown connector types are 422", async () => {
    const bad = await api('POST', '/api/v1/issuers', {
      body: { name: `Bad ${run}`, type: 'script', config: { executable: 'sign.sh', timeout_ms: 0, surprise: 1 } },
    });
    expectProblem(bad, 422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'config.executable',
      'config.surprise',
      'config.timeout_ms',
    ]);
    // Only executables in CERTCTL_SCRIPT_CONNECTOR_DIRS (here: the test fixtures) may run.
    const outside = await api('POST', '/api/v1/issuers', {
      body: { name: `Outside ${run}`, type: 'script', config: { executable: '/bin/sh' } },
    });
    expectProblem(outside, 422);
    expect(outside.body.errors).toEqual([
      { field: 'config.executable', message: expect.stringContaining('CERTCTL_SCRIPT_CONNECTOR_DIRS') },
    ]);
    const acme = await api('POST', '/api/v1/issuers', { body: { name: `Acme ${run}`, type: 'acme', config: {} } });
    expectProblem(acme, 422);
    expect(acme.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['config.directory_url', 'config.email']);
    expectProblem(await api('POST', '/api/v1/issuers', { body: { name: `Nope ${run}`, type: 'vault', config: {} } }), 422);
    expectProblem(await api('POST', '/api/v1/issuers', { body: { name: `Local ${run}`, type: 'local', config: {} } }), 422);
  });

  it('ok/POST /issuers/{id}/test runs the health check: local CA, script (with a dry run), a broken script, an unknown issuer; it is audited', async () => {
    const local = await api('POST', '/api/v1/issuers/iss-local/test');
    expect(local.status).toBe(200);
    expect(local.body).toMatchObject({ ok: true, capabilities: ['ca_chain', 'crl_signing'] });
    expect(local.body.detail).toContain('CA key decrypts and signs');
    expect(local.body.duration_ms).toEqual(expect.any(Number));

    const dry = await api('POST', '/api/v1/issuers', {
      body: { name: `Dry run ${run}`, type: 'script', config: { executable: SIGN, args: [caDir], dry_run_on_test: true } },
    });
    const tested = await api('POST', `/api/v1/issuers/${dry.body.id}/test`);
    expect(tested.body).toMatchObject({ ok: true, capabilities: [] });
    expect(tested.body.detail).toContain('issued a test certificate');

    const missing = await api('POST', '/api/v1/issuers', {
      body: { name: `Missing ${run}`, type: 'script', config: { executable: join(FIXTURES, 'no-such-script') } },
    });
    expect((await api('POST', `/api/v1/issuers/${missing.body.id}/test`)).body).toMatchObject({
      ok: false,
      detail: `${join(FIXTURES, 'no-such-script')}: ENOENT`,
    });

    expectProblem(await api('POST', `/api/v1/issuers/iss-nope-${run}/test`), 404);
    expectProblem(await api('POST', '/api/v1/issuers/iss-local/test', { key: null }), 401);

    const requestId = local.headers.get('x-request-id');
    const audit = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/audit?limit=500&since=${encodeURIComponent(new Date(Date.now() - 120000).toISOString())}`);
        return r.body.data.find((e: { request_id: string }) => e.request_id === requestId);
      },
      10000,
      'the audit row of the issuer test',
    );
    expect(audit).toMatchObject({ action: 'issuer.test', resource_type: 'issuer', resource_id: 'iss-local', method: 'POST' });
  });
});
