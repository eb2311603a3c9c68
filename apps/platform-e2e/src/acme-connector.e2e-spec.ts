import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { acmeHttp01RedisKey } from '@certctl/contracts';
import { ROOT } from '@certctl/testing';
import { directoryUrl, opensslVerify } from './acme-support';
import { gatewayUrl, readState } from './e2e-env';
import { connectorCertificateBody, settledJob } from './issuer-connector-support';
import { api, expectProblem, waitFor } from './http';

/**
 * The `acme` issuer connector: the issuance service as an ACME client of this platform's own
 * ACME server (through the gateway), dns-01 through an operator hook script that drives the
 * challenge test server, http-01 answered by the platform's /.well-known/acme-challenge route.
 */

jest.setTimeout(180000);

const run = Date.now().toString(36);
const HOOK = join(ROOT, 'apps', 'issuance', 'test', 'fixtures', 'acme-dns-hook.sh');

/**
 * The platform's ACME directory as the connector is given it: over the gateway's HTTPS
 * listener with the platform's CA bundle as ca_bundle_pem when the stack serves TLS, else
 * its plain-http port (allowed in the e2e stack by CERTCTL_ACME_CONNECTOR_ALLOW_HTTP).
 */
function platformDirectory(): { directory_url: string; ca_bundle_pem?: string } {
  const state = readState() as ReturnType<typeof readState> & { tls?: { port: number; dir: string } };
  if (!state.tls) return { directory_url: directoryUrl() };
  return {
    directory_url: `https://localhost:${state.tls.port}/acme/directory`,
    ca_bundle_pem: readFileSync(join(state.tls.dir, 'ca.pem'), 'utf8'),
  };
}

async function createAcmeIssuer(name: string, config: Record<string, unknown>) {
  const r = await api('POST', '/api/v1/issuers', {
    body: { id: `iss-acme-${name}-${run}`, name: `ACME ${name} ${run}`, type: 'acme', config },
  });
  expect(r.status).toBe(201);
  return r.body;
}

describe('acme issuer connector against the platform ACME server', () => {
  let hookLog: string;
  let db: Client;

  beforeAll(async () => {
    hookLog = join(mkdtempSync(join(tmpdir(), 'certctl-e2e-acme-hook-')), 'hook.log');
    writeFileSync(hookLog, '');
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
  });
  afterAll(() => db.end());

  it('ok/dns-01 through a hook script: issued, verified against the local CA, account key stored encrypted, then revoked at the CA', async () => {
    const { acme } = readState();
    const issuer = await createAcmeIssuer('dns', {
      ...platformDirectory(),
      email: 'ops@example.com',
      challenge: 'dns-01',
      dns_hook: {
        present: [HOOK, String(acme.managementPort), 'ok', hookLog],
        cleanup: [HOOK, String(acme.managementPort), 'ok', hookLog],
      },
    });
    expect(issuer).toMatchObject({ type: 'acme', config: { directory_url: platformDirectory().directory_url, challenge: 'dns-01' } });
    expect(issuer.config.account_key_pem).toBeUndefined();

    const before = await api('POST', `/api/v1/issuers/${issuer.id}/test`);
    expect(before.body).toMatchObject({ ok: true, capabilities: ['ari'] });
    expect(before.body.detail).toContain('no account yet');

    const name = `acme-conn-${run}`;
    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(name, issuer.id) });
    expect(cert.status).toBe(201);
    await settledJob(cert.body.job_id, 'completed');
    const active = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
    expect(active).toMatchObject({ status: 'active', current_version: { issuer_id: issuer.id, key_source: 'server' } });
    expect(await opensslVerify(`${active.certificate_pem}${active.chain_pem}`)).toContain(': OK');
    // The CA's renewal information (ARI) came with it: the scheduler renews inside this window.
    const window = active.current_version.renewal_window;
    const nb = new Date(active.current_version.not_before).getTime();
    const na = new Date(active.current_version.not_after).getTime();
    expect(window).not.toBeNull();
    expect(new Date(window.start).getTime()).toBeGreaterThan(nb);
    expect(new Date(window.end).getTime()).toBeLessThan(na);

    // The hook got each record as JSON on stdin: present then cleanup, for both names.
    const calls = readFileSync(hookLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { operation: string; record_name: string; value: string });
    for (const n of [`${name}.example.test`, `www.${name}.example.test`]) {
      const mine = calls.filter((c) => c.record_name === `_acme-challenge.${n}.`);
      expect(mine.map((c) => c.operation)).toEqual(['present', 'cleanup']);
      expect(mine[0]!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }

    // The account: its key kept only in the encrypted config, its URL shown; the test endpoint finds it.
    const shown = (await api('GET', `/api/v1/issuers/${issuer.id}`)).body;
    expect(shown.config).toMatchObject({ account_key_pem: '********', account_url: expect.stringMatching(/\/acme\/acct\//) });
    const row = await db.query('SELECT config::text AS config, encrypted_config FROM issuers WHERE id = $1', [issuer.id]);
    expect(row.rows[0].config).not.toContain('PRIVATE KEY');
    expect(Buffer.from(row.rows[0].encrypted_config).toString('latin1')).not.toContain('PRIVATE KEY');
    const after = await api('POST', `/api/v1/issuers/${issuer.id}/test`);
    expect(after.body).toMatchObject({ ok: true });
    expect(after.body.detail).toContain(`account ${shown.config.account_url} exists`);

    // The ACME server recorded its own copy of the certificate; revoking ours revokes it at the CA.
    const orders = await api('GET', '/api/v1/acme/orders?limit=500');
    const order = orders.body.data.find((o: any) => o.identifiers.some((i: any) => i.value === `${name}.example.test`));
    expect(order).toMatchObject({ status: 'valid', serial_number: active.serial_number });
    const revoked = await api('POST', `/api/v1/certificates/${cert.body.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('revoked');
    const atCa = await waitFor(
      async () => {
        const c = await api('GET', `/api/v1/certificates/${order.certificate_id}`);
        return c.body.status === 'revoked' ? c.body : undefined;
      },
      30000,
      "the ACME server's certificate to be revoked",
    );
    expect(atCa.serial_number).toBe(active.serial_number);
  });

  it('fail/a hook that publishes a wrong TXT value: the job fails terminally after one attempt with the CA incorrectResponse detail', async () => {
    const { acme } = readState();
    const issuer = await createAcmeIssuer('wrong', {
      ...platformDirectory(),
      email: 'ops@example.com',
      dns_hook: { present: [HOOK, String(acme.managementPort), 'wrong', hookLog] },
    });
    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(`acme-wrong-${run}`, issuer.id) });
    expect(cert.status).toBe(201);
    const job = await settledJob(cert.body.job_id, 'failed');
    expect(job.attempts).toBe(1);
    expect(job.last_error).toMatch(
      /^issuer_failure: the ACME CA refused the dns-01 challenge for (www\.)?acme-wrong-.*: incorrectResponse: /,
    );
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('failed');
  });

  it('ok/http-01 answered by the platform: the connector stores the key authorization, /.well-known/acme-challenge serves it to the CA', async () => {
    // The CA connects to <name>:<http-01 port>; a reverse proxy there forwards to the platform's gateway,
    // as one in front of the platform would in production.
    const { acme } = readState();
    const served: string[] = [];
    const proxy: Server = createServer((req, res) => {
      void fetch(`${gatewayUrl()}${req.url}`).then(async (r) => {
        const body = await r.text();
        served.push(`${r.status} ${req.url}`);
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(acme.http01Port, '127.0.0.1', () => r()));
    try {
      const issuer = await createAcmeIssuer('http', { ...platformDirectory(), email: 'ops@example.com', challenge: 'http-01' });
      const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(`acme-http-${run}`, issuer.id) });
      expect(cert.status).toBe(201);
      await settledJob(cert.body.job_id, 'completed');
      const active = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
      expect(await opensslVerify(`${active.certificate_pem}${active.chain_pem}`)).toContain(': OK');
      expect(served.filter((s) => s.startsWith('200 /.well-known/acme-challenge/')).length).toBeGreaterThanOrEqual(2);

      // A renewal names its predecessor in the new order (RFC 9773 replaces): the CA accepted it
      // (it refuses an identifier that names none of its certificates), and it names the first serial.
      const renewal = await api('POST', `/api/v1/certificates/${cert.body.id}/renew`);
      expect(renewal.status).toBe(202);
      await settledJob(renewal.body.job_id, 'completed');
      const orders = await db.query<{ replaces: string | null; serial_number: string }>(
        'SELECT replaces, serial_number FROM acme_orders WHERE identifiers::text LIKE $1 ORDER BY created_at',
        [`%"acme-http-${run}.example.test"%`],
      );
      expect(orders.rows).toHaveLength(2);
      const [first, second] = orders.rows;
      expect(first.replaces).toBeNull();
      expect(second.replaces).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const namedSerial = Buffer.from(second.replaces!.split('.')[1], 'base64url').toString('hex').replace(/^00/, '');
      expect(namedSerial).toBe(first.serial_number.toLowerCase().replace(/^0+/, '').padStart(namedSerial.length, '0'));
      expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.serial_number).toBe(second.serial_number);
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('ok/the /.well-known/acme-challenge route serves exactly what is stored under the shared Redis key, and 404 otherwise', async () => {
    const redis = new IORedis(readState().env.REDIS_URL);
    const token = `tok${run}abcdefghijklmnop`;
    try {
      await redis.set(acmeHttp01RedisKey(token), `${token}.thumbprint`, 'EX', 60);
      const hit = await fetch(`${gatewayUrl()}/.well-known/acme-challenge/${token}`);
      expect({ status: hit.status, type: hit.headers.get('content-type'), body: await hit.text() }).toEqual({
        status: 200,
        type: 'text/plain',
        body: `${token}.thumbprint`,
      });
      await redis.del(acmeHttp01RedisKey(token));
      const gone = await fetch(`${gatewayUrl()}/.well-known/acme-challenge/${token}`);
      expect(gone.status).toBe(404);
      const bad = await fetch(`${gatewayUrl()}/.well-known/acme-challenge/short`);
      expect(bad.status).toBe(404);
    } finally {
      redis.disconnect();
    }
  });

  it('fail/acme configs are checked: https directory unless allowed, dns-01 needs a hook, hook paths absolute; secrets masked', async () => {
    const bad = await api('POST', '/api/v1/issuers', {
      body: {
        name: `ACME bad ${run}`,
        type: 'acme',
        config: { directory_url: 'ftp://ca.example/dir', email: 'nope', challenge: 'dns-01', dns_hook: { present: ['hook.sh'] } },
      },
    });
    expectProblem(bad, 422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'config.directory_url',
      'config.dns_hook.present.0',
      'config.email',
    ]);
    const noHook = await api('POST', '/api/v1/issuers', {
      body: { name: `ACME nohook ${run}`, type: 'acme', config: { directory_url: directoryUrl(), email: 'ops@example.com' } },
    });
    expectProblem(noHook, 422);
    expect(noHook.body.errors).toEqual([{ field: 'config.dns_hook', message: 'is required for dns-01' }]);

    const eab = await createAcmeIssuer('eab', {
      ...platformDirectory(),
      email: 'ops@example.com',
      challenge: 'http-01',
      eab: { kid: `kid-${run}`, hmac_key: `c2VjcmV0LWhtYWMta2V5LSR7cnVufQ${run}` },
    });
    expect(eab.config.eab).toEqual({ kid: '********', hmac_key: '********' });
    expect(JSON.stringify((await api('GET', `/api/v1/issuers/${eab.id}`)).body)).not.toContain(`kid-${run}`);

    // An unreachable CA: the test endpoint answers ok=false (never an error).
    const down = await createAcmeIssuer('down', {
      directory_url: 'http://127.0.0.1:1/directory',
      email: 'ops@example.com',
      challenge: 'http-01',
    });
    const tested = await api('POST', `/api/v1/issuers/${down.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, detail: expect.stringContaining('unreachable') });
  });
});
