import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type StepCaServer, startStepCa } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, auditRows, expectProblem, validCertificate, waitFor } from './http';

/** A `stepca` issuer through the REST API against a real step-ca (tools/stepca/install-step-ca.sh). */

const run = Date.now().toString(36);
let ca: StepCaServer;
let db: Client;

function stepcaConfig(extra: Record<string, unknown> = {}) {
  return {
    url: ca.url,
    provisioner: ca.provisioner,
    provisioner_encrypted_key: ca.encryptedKey,
    provisioner_password: ca.password,
    root_fingerprint: ca.rootFingerprint,
    ...extra,
  };
}

/** openssl verify of a certificate's leaf against step-ca's root, its chain_pem as the intermediates. */
function verify(cert: { certificate_pem: string; chain_pem: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-stepca-'));
  writeFileSync(join(dir, 'root.pem'), ca.rootPem);
  writeFileSync(join(dir, 'chain.pem'), cert.chain_pem);
  writeFileSync(join(dir, 'leaf.pem'), cert.certificate_pem);
  const args = ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), '-purpose', 'sslserver'];
  return execFileSync('openssl', [...args, join(dir, 'leaf.pem')], { encoding: 'utf8' })
    .trim()
    .replace(`${join(dir, 'leaf.pem')}: `, '');
}

beforeAll(async () => {
  ca = await startStepCa({ provisioner: `certctl-${run}` });
  db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
}, 900000); // the first run on a machine builds step-ca
afterAll(async () => {
  await db?.end();
  await ca?.stop();
});

describe('stepca issuers', () => {
  it('ok/a step-ca issuer issues, renews and revokes through step-ca; openssl verifies the leaves against its root; secrets masked', async () => {
    const created = await api('POST', '/api/v1/issuers', {
      body: { id: `iss-stepca-${run}`, name: `step-ca ${run}`, type: 'stepca', config: stepcaConfig() },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'stepca',
      config: { url: ca.url, provisioner: ca.provisioner, provisioner_password: '********', root_fingerprint: ca.rootFingerprint },
    });
    expect(JSON.stringify((await api('GET', `/api/v1/issuers/${created.body.id}`)).body)).not.toContain(ca.password);
    const row = await db.query('SELECT config::text AS config FROM issuers WHERE id = $1', [created.body.id]);
    expect(row.rows[0].config).not.toContain(ca.password);
    const audit = await auditRows('issuer.create', created.body.id, 15000);
    expect(audit[0]).toMatchObject({ actor: 'bootstrap-admin' });

    const tested = await api('POST', `/api/v1/issuers/${created.body.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, capabilities: ['ca_chain'] });
    expect(tested.body.detail).toContain(`JWK provisioner ${ca.provisioner}`);

    const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`stepca-${run}`), issuer_id: created.body.id } });
    expect(cert.status).toBe(201);
    const active = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${cert.body.id}`);
        return c.body.status === 'active' ? c.body : undefined;
      },
      60000,
      'the step-ca certificate to become active',
    );
    expect(active.current_version).toMatchObject({ key_source: 'server', issuer_id: created.body.id });
    expect(verify(active)).toBe('OK');
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: active.certificate_pem, encoding: 'utf8' });
    expect(text).toContain(`DNS:www.stepca-${run}.example.com`);
    expect(text).toContain('IP Address:10.0.0.7');
    expect(text).toContain('step-ca test intermediate');

    const renew = await api('POST', `/api/v1/certificates/${active.id}/renew`);
    expect(renew.status).toBe(202);
    const renewed = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${active.id}`);
        return c.body.status === 'active' && c.body.serial_number !== active.serial_number ? c.body : undefined;
      },
      60000,
      'the renewed step-ca version',
    );
    expect(verify(renewed)).toBe('OK');

    const revoked = await api('POST', `/api/v1/certificates/${active.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    expect(await ca.revokedSerials()).toContain(renewed.serial_number.replace(/^0+/, ''));
    expect(ca.log()).toMatch(/path=\/1\.0\/revoke[\s\S]*status=200|status=200[\s\S]*path=\/1\.0\/revoke/);
  });

  it('fail/a bad step-ca config is a 422 naming each field; nothing is created', async () => {
    const bad = await api('POST', '/api/v1/issuers', {
      body: {
        name: `Bad step-ca ${run}`,
        type: 'stepca',
        config: { url: 'http://ca.example.com:9000', provisioner: 'has space', provisioner_encrypted_key: 'not-a-jwe', surprise: 1 },
      },
    });
    expectProblem(bad, 422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'config.provisioner',
      'config.provisioner_encrypted_key',
      'config.provisioner_password',
      'config.root_fingerprint',
      'config.surprise',
      'config.url',
    ]);
    const missing = await api('POST', '/api/v1/issuers', {
      body: {
        name: `Half step-ca ${run}`,
        type: 'stepca',
        config: { url: ca.url, provisioner: 'x', provisioner_encrypted_key: ca.encryptedKey },
      },
    });
    expectProblem(missing, 422);
    expect(missing.body.errors).toEqual([
      { field: 'config.provisioner_password', message: 'is required with provisioner_encrypted_key' },
      { field: 'config.root_fingerprint', message: 'is required (or ca_bundle_pem) to trust step-ca' },
    ]);
    const rows = await db.query('SELECT count(*)::int AS n FROM issuers WHERE name IN ($1, $2)', [
      `Bad step-ca ${run}`,
      `Half step-ca ${run}`,
    ]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('fail/a wrong provisioner password is a clear issuer test failure (200, ok false), and issuance with it fails terminally, not a 500', async () => {
    const wrong = await api('POST', '/api/v1/issuers', {
      body: { name: `Wrong password ${run}`, type: 'stepca', config: stepcaConfig({ provisioner_password: 'not-the-password' }) },
    });
    expect(wrong.status).toBe(201);
    const tested = await api('POST', `/api/v1/issuers/${wrong.body.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: false });
    expect(tested.body.detail).toContain(`the provisioner key of ${ca.provisioner} cannot be decrypted with the configured password`);

    const cert = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`stepca-wrong-${run}`), issuer_id: wrong.body.id },
    });
    expect(cert.status).toBe(201);
    const job = await waitFor(
      async () => {
        const j = await api('GET', `/api/v1/jobs/${cert.body.job_id}`);
        return j.body.status === 'failed' ? j.body : undefined;
      },
      60000,
      'the job with the wrong password to fail',
    );
    expect(job.attempts).toBe(1);
    expect(job.last_error).toContain('issuer_failure: the provisioner key of');
  });
});
