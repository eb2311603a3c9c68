import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { gatewayUrl, readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';

/** A download as bytes (PKCS#12 is binary; the shared helper reads text). */
async function download(method: 'GET' | 'POST', path: string, body?: unknown) {
  const state = readState();
  const res = await fetch(`${gatewayUrl(state)}${path}`, {
    method,
    headers: { authorization: `Bearer ${state.adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30000),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const openssl = (args: string[], input?: string | Buffer) => execFileSync('openssl', args, { input, encoding: 'utf8' });

describe('downloading a server-generated private key (admin only, audited)', () => {
  const run = Date.now().toString(36);
  const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-key-'));
  const passphrase = `p12-secret-${run}`;
  let cert: { id: string; certificate_pem: string; common_name: string };
  let certPubkey: string;
  const keys: Record<'operator' | 'viewer', string> = { operator: '', viewer: '' };

  beforeAll(async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`pk-${run}`) });
    expect(created.status).toBe(201);
    cert = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${created.body.id}`);
        return r.body.status === 'active' ? r.body : undefined;
      },
      30000,
      'the certificate to become active',
    );
    certPubkey = openssl(['x509', '-noout', '-pubkey'], cert.certificate_pem);
    for (const role of ['operator', 'viewer'] as const) {
      const k = await api('POST', '/api/v1/api-keys', { body: { name: `pk-${role}-${run}`, role } });
      expect(k.status).toBe(201);
      keys[role] = k.body.key;
    }
  });

  it('ok/GET ?format=pem returns the PKCS#8 key of the certificate', async () => {
    const r = await download('GET', `/api/v1/certificates/${cert.id}/private-key?format=pem`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/x-pem-file');
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="${cert.common_name}.key.pem"`);
    const pem = r.bytes.toString('utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(openssl(['pkey', '-pubout'], pem)).toBe(certPubkey);
  });

  it('ok/POST pkcs12 with a passphrase: openssl opens it; it holds the key, the leaf and the chain, and the key matches', async () => {
    const r = await download('POST', `/api/v1/certificates/${cert.id}/private-key`, { format: 'pkcs12', passphrase });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/x-pkcs12');
    const file = join(dir, 'cert.p12');
    writeFileSync(file, r.bytes);
    const all = openssl(['pkcs12', '-in', file, '-passin', `pass:${passphrase}`, '-nodes']);
    const issuer = await api('GET', '/api/v1/issuers/iss-local');
    expect(all.match(/-----BEGIN CERTIFICATE-----/g)?.length).toBeGreaterThanOrEqual(2); // leaf + iss-local's CA
    expect(all.replace(/\s/g, '')).toContain(issuer.body.ca_certificate_pem.replace(/-----[A-Z ]+-----|\s/g, ''));
    const key = openssl(['pkcs12', '-in', file, '-passin', `pass:${passphrase}`, '-nocerts', '-nodes']);
    const leaf = openssl(['pkcs12', '-in', file, '-passin', `pass:${passphrase}`, '-clcerts', '-nokeys']);
    expect(openssl(['pkey', '-pubout'], key)).toBe(certPubkey);
    expect(openssl(['x509', '-noout', '-pubkey'], leaf)).toBe(certPubkey);
    const info = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${passphrase}`, '-info', '-noout'], { encoding: 'utf8' });
    expect(info.stderr).toContain('AES-256-CBC');
    expect(spawnSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:not-the-passphrase', '-nodes']).status).not.toBe(0);
  });

  it('ok/POST pem with a passphrase returns an encrypted PKCS#8 key that only the passphrase opens', async () => {
    const r = await download('POST', `/api/v1/certificates/${cert.id}/private-key`, { format: 'pem', passphrase });
    expect(r.status).toBe(200);
    const pem = r.bytes.toString('utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(openssl(['pkey', '-passin', `pass:${passphrase}`, '-pubout'], pem)).toBe(certPubkey);
  });

  it('fail/operator and viewer keys get 403', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      expectProblem(await api('GET', `/api/v1/certificates/${cert.id}/private-key`, { key: keys[role] }), 403);
      expectProblem(
        await api('POST', `/api/v1/certificates/${cert.id}/private-key`, { key: keys[role], body: { format: 'pkcs12', passphrase } }),
        403,
      );
    }
  });

  it('fail/bad input is a 422 naming the field: PKCS#12 without or with a short passphrase, PKCS#12 over GET', async () => {
    const missing = await api('POST', `/api/v1/certificates/${cert.id}/private-key`, { body: { format: 'pkcs12' } });
    expectProblem(missing, 422);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('passphrase');
    const short = await api('POST', `/api/v1/certificates/${cert.id}/private-key`, { body: { format: 'pkcs12', passphrase: 'short' } });
    expectProblem(short, 422);
    expect(short.body.errors.map((e: { field: string }) => e.field)).toContain('passphrase');
    const overGet = await api('GET', `/api/v1/certificates/${cert.id}/private-key?format=pkcs12`);
    expectProblem(overGet, 422);
    expect(overGet.body.errors[0]).toMatchObject({ field: 'query.format', message: expect.stringContaining('use POST') });
    expectProblem(await api('GET', `/api/v1/certificates/${cert.id}/private-key?format=der`), 422);
    expectProblem(await api('GET', '/api/v1/certificates/cert-does-not-exist/private-key'), 404);
  });

  it('fail/a certificate whose key the agent generated has no server-side key: 404 with a clear detail', async () => {
    const profile = await api('POST', '/api/v1/profiles', {
      body: { name: `pk-agent-keys-${run}`, key_generation: 'agent', max_validity_days: 30 },
    });
    expect(profile.status).toBe(201);
    const reg = await api('POST', '/api/v1/agents', { body: { name: `pk-agent-${run}` } });
    const { agent, api_key: agentKey } = reg.body;
    const name = `pk-agent-${run}`;
    const created = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(name), sans: [], profile_id: profile.body.id, agent_id: agent.id },
    });
    expect(created.status).toBe(201);
    const keyFile = join(dir, 'agent-key.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile]);
    const csr = execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', `/CN=${name}.example.com`], { encoding: 'utf8' });
    const submitted = await api('POST', `/api/v1/agents/${agent.id}/jobs/${created.body.job_id}/csr`, {
      key: agentKey,
      body: { csr_pem: csr },
    });
    expect(submitted.status).toBe(202);
    await waitFor(
      async () => ((await api('GET', `/api/v1/certificates/${created.body.id}`)).body.status === 'active' ? true : undefined),
      30000,
      'the agent-mode certificate to become active',
    );
    const r = await api('GET', `/api/v1/certificates/${created.body.id}/private-key`);
    expectProblem(r, 404);
    expect(r.body.detail).toMatch(/no server-side private key.*agent/);
  });

  it('ok/every download is audited as certificate.private_key.download with the format, never the key or passphrase', async () => {
    const db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    try {
      const rows = await waitFor(
        async () => {
          const r = await db.query(
            `SELECT method, status, role, details, body_sha256 FROM audit_events
             WHERE action = 'certificate.private_key.download' AND resource_id = $1 ORDER BY occurred_at`,
            [cert.id],
          );
          return r.rows.length >= 11 ? r.rows : undefined;
        },
        10000,
        'the audit rows of the downloads',
      );
      const ok = rows.filter((r) => r.status === 200);
      expect(ok.map((r) => [r.method, r.details.format, r.details.encrypted])).toEqual([
        ['GET', 'pem', false],
        ['POST', 'pkcs12', true],
        ['POST', 'pem', true],
      ]);
      expect(
        rows
          .filter((r) => r.status === 403)
          .map((r) => r.role)
          .sort(),
      ).toEqual(['operator', 'operator', 'viewer', 'viewer']);
      expect(rows.filter((r) => r.method === 'POST').every((r) => r.body_sha256 === null)).toBe(true);
      const text = JSON.stringify(rows);
      expect(text).not.toContain(passphrase);
      expect(text).not.toContain('PRIVATE KEY');
    } finally {
      await db.end();
    }
  });
});
