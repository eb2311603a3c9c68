import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from '@certctl/testing';
import { readState } from './e2e-env';
import { api, auditRows, validCertificate, waitFor } from './http';
import { restartService } from './restart';

/**
 * An asynchronous CA (a script connector answering "PENDING <order>", then polled): the job
 * waits in awaiting_ca without holding an issuance worker, survives a restart of the issuance
 * service, and stops being polled when it is cancelled. docs/connectors.md, "Asynchronous CAs".
 */

const run = Date.now().toString(36);
const FIXTURES = join(ROOT, 'apps', 'issuance', 'test', 'fixtures');
const ASYNC_CA = join(FIXTURES, 'async-ca.sh');
// One issuance worker, so a job that held its worker while the CA works would block every other.
const ISSUANCE_ENV = { CERTCTL_ISSUANCE_CONCURRENCY: '1', CERTCTL_CA_ORDER_POLL_TICK_MS: '250' };
let caDir: string;
let db: Client;

/** An issuer whose CA finishes an order `delaySeconds` after accepting it. */
async function asyncIssuer(delaySeconds: number): Promise<string> {
  const created = await api('POST', '/api/v1/issuers', {
    body: {
      name: `Async CA ${delaySeconds}s ${run}`,
      type: 'script',
      config: { executable: ASYNC_CA, args: [caDir, String(delaySeconds)] },
    },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function certificateFrom(issuerId: string, name: string): Promise<{ id: string; job_id: string }> {
  const cert = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`${name}-${run}`), issuer_id: issuerId } });
  expect(cert.status).toBe(201);
  return cert.body;
}

function jobIn(jobId: string, status: string, timeoutMs = 60000) {
  return waitFor(
    async () => {
      const j = await api('GET', `/api/v1/jobs/${jobId}`);
      return j.body.status === status ? j.body : undefined;
    },
    timeoutMs,
    `job ${jobId} to be ${status}`,
  );
}

async function caOrderOf(jobId: string): Promise<string | undefined> {
  const rows = await db.query('SELECT ca_order_id FROM ca_orders WHERE job_id = $1', [jobId]);
  return rows.rows[0]?.ca_order_id;
}

/** The epoch seconds at which the CA was polled for `order` (async-ca.sh's polls.log). */
function pollsOf(order: string): number[] {
  const log = join(caDir, 'polls.log');
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith(`${order} `))
    .map((line) => Number(line.split(' ')[1]));
}

function activeCertificate(id: string, timeoutMs = 90000) {
  return waitFor(
    async () => {
      const c = await api('GET', `/api/v1/certificates/${id}`);
      return c.body.status === 'active' ? c.body : undefined;
    },
    timeoutMs,
    `certificate ${id} to become active`,
  );
}

beforeAll(async () => {
  caDir = mkdtempSync(join(tmpdir(), 'certctl-e2e-async-ca-'));
  execFileSync(join(FIXTURES, 'make-ca.sh'), [caDir], { stdio: 'pipe' });
  db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
  await restartService('issuance', ISSUANCE_ENV);
}, 120000);
afterAll(async () => {
  await db?.end();
  await restartService('issuance'); // the stack's own settings again
}, 120000);

describe('asynchronous CAs', () => {
  it("ok/a pending CA order parks the job in awaiting_ca without holding the only worker; polls back off; the job completes with the CA's certificate", async () => {
    const issuer = await asyncIssuer(12);
    const slow = await certificateFrom(issuer, 'async');
    const waiting = await jobIn(slow.job_id, 'awaiting_ca');
    const order = await caOrderOf(slow.job_id);
    expect(order).toMatch(/^ord-[0-9a-f]{16}$/);
    expect(waiting.waiting_reason).toEqual({
      code: 'awaiting_ca',
      detail: expect.stringContaining(`the CA accepted the request as order ${order} and has not finished it`),
      until: expect.any(String),
    });

    // Another issuance completes on the only worker while the CA works on the first order.
    const other = await certificateFrom('iss-local', 'async-meanwhile');
    await activeCertificate(other.id, 60000);
    expect((await api('GET', `/api/v1/jobs/${slow.job_id}`)).body.status).toBe('awaiting_ca');

    const done = await activeCertificate(slow.id);
    expect((await api('GET', `/api/v1/jobs/${slow.job_id}`)).body).toMatchObject({ status: 'completed', waiting_reason: null });
    expect(done.current_version).toMatchObject({ key_source: 'server', issuer_id: issuer });
    const dir = mkdtempSync(join(tmpdir(), 'certctl-e2e-async-'));
    writeFileSync(join(dir, 'leaf.pem'), done.certificate_pem);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(caDir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' }).trim()).toBe(
      `${join(dir, 'leaf.pem')}: OK`,
    );
    // Polled at about 5 s (still validating), then 15 s ± 20 % later (done): never in a busy loop.
    const polls = pollsOf(order!);
    expect(polls).toHaveLength(2);
    expect(polls[1]! - polls[0]!).toBeGreaterThanOrEqual(11);
    expect(await caOrderOf(slow.job_id)).toBeUndefined();
    expect((await auditRows('certificate.create', slow.id, 15000))[0]).toMatchObject({ actor: 'bootstrap-admin' });
  }, 150000);

  it('ok/a job awaiting its CA survives a restart of the issuance service: the new process polls the order and completes it', async () => {
    const issuer = await asyncIssuer(3);
    const cert = await certificateFrom(issuer, 'async-restart');
    await jobIn(cert.job_id, 'awaiting_ca');
    const order = (await caOrderOf(cert.job_id))!;
    const before = Math.floor(Date.now() / 1000);
    const oldPid = readState().pids.issuance;
    await restartService('issuance', ISSUANCE_ENV);
    expect(readState().pids.issuance).not.toBe(oldPid);
    const done = await activeCertificate(cert.id);
    expect(done.current_version).toMatchObject({ issuer_id: issuer });
    // Every poll of the order came after the restart was asked for: the order was kept in the database.
    const polls = pollsOf(order);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    for (const at of polls) expect(at).toBeGreaterThanOrEqual(before);
    expect((await api('GET', `/api/v1/jobs/${cert.job_id}`)).body.status).toBe('completed');
  }, 180000);

  it('fail/a job awaiting its CA that is cancelled (its certificate archived) stops being polled: the CA is not asked, no certificate is stored', async () => {
    const issuer = await asyncIssuer(86400);
    const cert = await certificateFrom(issuer, 'async-cancel');
    await jobIn(cert.job_id, 'awaiting_ca');
    const order = (await caOrderOf(cert.job_id))!;
    // Archiving cancels the certificate's waiting jobs (inventory's lifecycle service), awaiting_ca included.
    const archived = await api('DELETE', `/api/v1/certificates/${cert.id}`);
    expect(archived.status).toBeLessThan(300);
    const job = await jobIn(cert.job_id, 'cancelled', 10000);
    expect(job.last_error).toBe('certificate archived by bootstrap-admin');
    const cancelledAt = Math.ceil(Date.now() / 1000);
    // From now on the CA would hand out the certificate to anyone who asks for the order.
    writeFileSync(join(caDir, 'orders', `${order}.at`), '0\n');
    // The poller finds the job cancelled at its next poll (within about 5 s) and drops the order.
    await waitFor(async () => ((await caOrderOf(cert.job_id)) === undefined ? true : undefined), 30000, 'the CA order to be dropped');
    for (const at of pollsOf(order)) expect(at).toBeLessThanOrEqual(cancelledAt); // the CA was not asked after the cancel
    const stored = await db.query(
      `SELECT (SELECT count(*)::int FROM issued_certificates WHERE job_id = $1) AS issued,
              (SELECT count(*)::int FROM certificate_versions WHERE certificate_id = $2) AS versions`,
      [cert.job_id, cert.id],
    );
    expect(stored.rows[0]).toEqual({ issued: 0, versions: 0 });
    expect((await api('GET', `/api/v1/certificates/${cert.id}`)).body.status).toBe('archived');
  }, 120000);
});
