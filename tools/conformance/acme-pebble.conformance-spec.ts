// The platform's `acme` issuer connector against an independent ACME CA: Pebble (Let's Encrypt's
// test CA, pinned in install-acme-clients.sh), with pebble-challtestsrv as the DNS Pebble
// resolves through. Issue, renew (with Pebble's ARI window), revoke, http-01 and dns-01, and a
// Pebble refusal reaching the job as a terminal error with Pebble's own detail.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { gatewayUrl } from '../../apps/platform-e2e/src/e2e-env';
import { api, waitFor } from '../../apps/platform-e2e/src/http';
import { connectorCertificateBody, settledJob } from '../../apps/platform-e2e/src/issuer-connector-support';
import { type AcmeTools, type Pebble, ensureAcmeTools, httpsRequest, startPebble } from './acme-tools';

const run = Date.now().toString(36);
const HOOK = join(ROOT, 'apps', 'issuance', 'test', 'fixtures', 'acme-dns-hook.sh');
const BLOCKED = 'blocked.example.test';
const dir = mkdtempSync(join(tmpdir(), 'certctl-pebble-spec-'));

let tools: AcmeTools;
let pebble: Pebble;

beforeAll(async () => {
  tools = ensureAcmeTools('pebble');
  pebble = await startPebble(tools, { blocked: [BLOCKED] });
});
afterAll(async () => {
  await pebble?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function createIssuer(name: string, config: Record<string, unknown>, ca: Pebble = pebble) {
  const r = await api('POST', '/api/v1/issuers', {
    body: {
      id: `iss-pebble-${name}-${run}`,
      name: `Pebble ${name} ${run}`,
      type: 'acme',
      config: {
        directory_url: ca.directoryUrl,
        ca_bundle_pem: readFileSync(ca.caFile, 'utf8'),
        email: 'ops@example.com',
        ...config,
      },
    },
  });
  if (r.status !== 201) throw new Error(`POST /api/v1/issuers: ${r.status} ${r.text}`);
  return r.body;
}

/** The dns-01 hook published, then removed, the TXT record of both names of the certificate `name`. */
function expectPresentThenCleanup(hookLog: string, name: string): void {
  const ops = readFileSync(hookLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { operation: string; record_name: string });
  for (const n of [`${name}.example.test`, `www.${name}.example.test`]) {
    expect(ops.filter((o) => o.record_name === `_acme-challenge.${n}.`).map((o) => o.operation)).toEqual(['present', 'cleanup']);
  }
}

/** `openssl verify` of the leaf with the chain Pebble served, against Pebble's root. */
async function verifiedByPebbleRoot(leafPem: string, chainPem: string, ca: Pebble = pebble): Promise<string> {
  const leaf = join(dir, `leaf-${Date.now()}.pem`);
  const chain = join(dir, `chain-${Date.now()}.pem`);
  writeFileSync(leaf, leafPem);
  writeFileSync(chain, chainPem);
  return execFileSync('openssl', ['verify', '-CAfile', await ca.rootFile(), '-untrusted', chain, leaf], { encoding: 'utf8' });
}

/** Pebble's own view of a certificate it issued (management API): Valid or Revoked, with the reason. */
async function atPebble(serialHex: string): Promise<{ Status: string; Reason?: number }> {
  const serial = serialHex.toLowerCase().replace(/^0+/, '');
  const r = await httpsRequest(`${pebble.managementUrl}/cert-status-by-serial/${serial}`, pebble.caFile);
  if (r.status !== 200) throw new Error(`Pebble cert-status-by-serial/${serial}: ${r.status}`);
  return JSON.parse(r.text) as { Status: string; Reason?: number };
}

describe('the acme issuer connector against Pebble', () => {
  it('ok/dns-01 (pebble-challtestsrv as DNS): issued, chain verifies to Pebble root, ARI window recorded, renewed, revoked at Pebble with the reason', async () => {
    const hookLog = join(dir, 'hook.log');
    writeFileSync(hookLog, '');
    const port = String(pebble.challengeManagementPort);
    const issuer = await createIssuer('dns', {
      challenge: 'dns-01',
      dns_hook: { present: [HOOK, port, 'ok', hookLog], cleanup: [HOOK, port, 'ok', hookLog] },
    });
    const tested = await api('POST', `/api/v1/issuers/${issuer.id}/test`);
    expect(tested.body).toMatchObject({ ok: true, capabilities: ['ari'] });

    const name = `pebble-dns-${run}`;
    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(name, issuer.id) });
    expect(cert.status).toBe(201);
    await settledJob(cert.body.job_id, 'completed');
    const first = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
    expect(first).toMatchObject({ status: 'active', current_version: { issuer_id: issuer.id } });
    expect(await verifiedByPebbleRoot(first.certificate_pem, first.chain_pem)).toContain(': OK');
    expect(await atPebble(first.serial_number)).toMatchObject({ Status: 'Valid' });
    // The account was created at Pebble; its URL is Pebble's.
    const shown = (await api('GET', `/api/v1/issuers/${issuer.id}`)).body;
    expect(shown.config.account_url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:\\d+/my-account/`));
    // Both names were validated over DNS: the hook published then removed each TXT record.
    expectPresentThenCleanup(hookLog, name);

    // Pebble's renewal information (RFC 9773): a window inside the certificate's validity.
    const window = first.current_version.renewal_window;
    expect(window).not.toBeNull();
    expect(new Date(window.start).getTime()).toBeGreaterThan(new Date(first.current_version.not_before).getTime());
    expect(new Date(window.end).getTime()).toBeLessThan(new Date(first.current_version.not_after).getTime());

    // Renewal: a new order at Pebble, a new certificate as the next version.
    const renewed = await api('POST', `/api/v1/certificates/${cert.body.id}/renew`);
    expect(renewed.status).toBe(202);
    await settledJob(renewed.body.job_id, 'completed');
    const second = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
    expect(second.serial_number).not.toBe(first.serial_number);
    expect(second.current_version.id).not.toBe(first.current_version.id);
    const versions = (await api('GET', `/api/v1/certificates/${cert.body.id}/versions`)).body.data;
    expect(
      versions.map((v: { serial_number: string; cause: { job_type: string } | null }) => [v.serial_number, v.cause?.job_type]).sort(),
    ).toEqual(
      [
        [first.serial_number, 'issuance'],
        [second.serial_number, 'renewal'],
      ].sort(),
    );
    expect(await verifiedByPebbleRoot(second.certificate_pem, second.chain_pem)).toContain(': OK');
    expect(second.current_version.renewal_window).not.toBeNull();

    // Revocation through Pebble: revokeCert signed with the account key, reason carried.
    const revoked = await api('POST', `/api/v1/certificates/${cert.body.id}/revoke`, { body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    const status = await waitFor(
      async () => {
        const s = await atPebble(second.serial_number);
        return s.Status === 'Revoked' ? s : undefined;
      },
      30000,
      'Pebble to show the certificate revoked',
    );
    expect(status.Reason).toBe(1); // keyCompromise (RFC 5280 §5.3.1)
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('revoked');
  });

  it('ok/http-01: Pebble fetches the key authorization the platform serves at /.well-known/acme-challenge/', async () => {
    // Pebble's VA connects to <name>:<httpPort> (every name → 127.0.0.1 in pebble-challtestsrv);
    // a reverse proxy there forwards to the gateway, as an ingress in front of the platform would.
    const served: string[] = [];
    const proxy: Server = createServer((req, res) => {
      void fetch(`${gatewayUrl()}${req.url}`).then(async (r) => {
        const body = await r.text();
        served.push(`${r.status} ${req.url}`);
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(pebble.httpPort, '127.0.0.1', () => r()));
    try {
      const issuer = await createIssuer('http', { challenge: 'http-01' });
      const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(`pebble-http-${run}`, issuer.id) });
      expect(cert.status).toBe(201);
      await settledJob(cert.body.job_id, 'completed');
      const active = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
      expect(await verifiedByPebbleRoot(active.certificate_pem, active.chain_pem)).toContain(': OK');
      expect(await atPebble(active.serial_number)).toMatchObject({ Status: 'Valid' });
      expect(served.filter((s) => s.startsWith('200 /.well-known/acme-challenge/')).length).toBeGreaterThanOrEqual(2);
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it("fail/Pebble refuses a name on its block list: the job fails after one attempt with Pebble's rejectedIdentifier detail", async () => {
    const issuer = await createIssuer('refused', { challenge: 'http-01' });
    const cert = await api('POST', '/api/v1/certificates', {
      body: { ...connectorCertificateBody(`refused-${run}`, issuer.id), common_name: BLOCKED, sans: [BLOCKED] },
    });
    expect(cert.status).toBe(201);
    const job = await settledJob(cert.body.job_id, 'failed');
    expect(job.attempts).toBe(1);
    expect(job.last_error).toMatch(/^issuer_failure: .*rejectedIdentifier/);
    expect(job.last_error).toContain(`Order included an identifier for which issuance is forbidden by policy: "${BLOCKED}"`);
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('failed');
  });
});

describe('the acme issuer connector against a Pebble that validates asynchronously', () => {
  // Pebble checks each challenge 0–3 s after it is answered; with inline_wait_ms 0 the job never
  // waits for it: it parks in awaiting_ca with the order URL and the CA order poller finishes it.
  let slow: Pebble;
  beforeAll(async () => {
    slow = await startPebble(tools, { vaSleepSeconds: 4 });
  });
  afterAll(() => slow?.stop());

  it('ok/dns-01: the job waits in awaiting_ca without a worker, the poller finalizes and stores the leaf, the hook cleans up after validation', async () => {
    const hookLog = join(dir, 'hook-async.log');
    writeFileSync(hookLog, '');
    const port = String(slow.challengeManagementPort);
    const issuer = await createIssuer(
      'async',
      { challenge: 'dns-01', inline_wait_ms: 0, dns_hook: { present: [HOOK, port, 'ok', hookLog], cleanup: [HOOK, port, 'ok', hookLog] } },
      slow,
    );
    const name = `pebble-async-${run}`;
    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(name, issuer.id) });
    expect(cert.status).toBe(201);
    const seen = new Set<string>();
    const job = await settledJob(cert.body.job_id, 'completed', 120000, seen);
    expect(seen).toContain('awaiting_ca');
    expect(job.attempts).toBe(1); // one worker run: the rest was polling, not retries
    const active = (await api('GET', `/api/v1/certificates/${cert.body.id}`)).body;
    expect(active.status).toBe('active');
    expect(await verifiedByPebbleRoot(active.certificate_pem, active.chain_pem, slow)).toContain(': OK');
    expectPresentThenCleanup(hookLog, name);
  });

  it("fail/http-01 nobody answers: Pebble's asynchronous refusal reaches the parked job as a terminal error with Pebble's detail", async () => {
    // Nothing listens on Pebble's http-01 port: its VA fails the challenge after its sleep.
    const issuer = await createIssuer('async-refused', { challenge: 'http-01', inline_wait_ms: 0 }, slow);
    const cert = await api('POST', '/api/v1/certificates', { body: connectorCertificateBody(`pebble-async-refused-${run}`, issuer.id) });
    expect(cert.status).toBe(201);
    const seen = new Set<string>();
    const job = await settledJob(cert.body.job_id, 'failed', 120000, seen);
    expect(seen).toContain('awaiting_ca');
    expect(job.last_error).toMatch(
      /^issuer_failure: the ACME CA refused the http-01 challenge for (www\.)?pebble-async-refused-[a-z0-9]+\.example\.test: connection: /,
    );
    expect((await api('GET', `/api/v1/certificates/${cert.body.id}`)).body.status).toBe('failed');
  });
});
