import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

const QUEUE = 'certctl-issuance';
const NO_CA_ISSUER = 'iss-e2e-no-ca';

async function metricsOf(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

describe('the issuance queue: retry policy, attempt bounds, dead letters, idempotent redelivery', () => {
  const state = readState();
  let redis: IORedis;
  let queue: Queue;
  let db: Client;

  beforeAll(async () => {
    redis = new IORedis(state.env.REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE, { connection: redis });
    db = new Client({ connectionString: state.env.DATABASE_URL });
    await db.connect();
    // Fixture: a local sub-CA issuer whose CA is never made, so every issuance attempt
    // fails with a retryable issuer_failure ("has no CA yet"). There is no API to add one yet.
    await db.query(
      `INSERT INTO issuers (id, name, type, parent_id, updated_at) VALUES ($1, $2, 'local', 'iss-local', now()) ON CONFLICT (id) DO NOTHING`,
      [NO_CA_ISSUER, 'E2E sub-CA without a CA'],
    );
  });

  afterAll(async () => {
    await queue.close();
    await redis.quit();
    await db.end();
  });

  async function finished(jobId: string): Promise<'completed' | 'failed'> {
    return waitFor(
      async () => {
        const state = await (await queue.getJob(jobId))?.getState();
        return state === 'completed' || state === 'failed' ? state : undefined;
      },
      30000,
      `queue job ${jobId} to finish`,
    );
  }

  it("ok/issuance jobs carry the retry policy from inventory's environment (CERTCTL_ISSUANCE_ATTEMPTS=4, CERTCTL_ISSUANCE_BACKOFF_MS=200)", async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`retry-policy-${Date.now()}`) });
    expect(created.status).toBe(201);
    const job = await waitFor(async () => (await queue.getJob(created.body.job_id)) ?? undefined, 10000, 'the queue job');
    expect(job.opts).toMatchObject({ attempts: 4, backoff: { type: 'exponential', delay: 200 } });
    expect(await finished(created.body.job_id)).toBe('completed');
  });

  it("fail/a job failing every attempt: the row fails at rp-standard's 3 attempts and the queue job is dead-lettered with the reason, never completed", async () => {
    const created = await api('POST', '/api/v1/certificates', {
      body: { ...validCertificate(`no-ca-${Date.now()}`), issuer_id: NO_CA_ISSUER },
    });
    expect(created.status).toBe(201);
    const jobId: string = created.body.job_id;

    expect(await finished(jobId)).toBe('failed');
    const job = (await queue.getJob(jobId))!;
    expect(job.attemptsMade).toBe(3);
    expect(job.failedReason).toContain(`issuer ${NO_CA_ISSUER} has no CA yet`);

    const row = (await db.query('SELECT status, attempts, max_attempts, last_error FROM jobs WHERE id = $1', [jobId])).rows[0];
    expect(row).toMatchObject({ status: 'failed', attempts: 3, max_attempts: 3 });
    expect(row.last_error).toContain('has no CA yet');
    expect((await api('GET', `/api/v1/certificates/${created.body.id}`)).body.status).toBe('failed');

    // The 4th queue attempt would have come 800 ms later: it does not, the job stays dead.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await (await queue.getJob(jobId))!.getState()).toBe('failed');
    expect((await db.query('SELECT attempts FROM jobs WHERE id = $1', [jobId])).rows[0].attempts).toBe(3);

    const dead = await waitFor(
      async () => {
        const m = /certctl_queue_dead_letter_jobs\{[^}]*queue="certctl-issuance"[^}]*\} (\d+)/.exec(await metricsOf(state.ports.issuance));
        return m && Number(m[1]) >= 1 ? Number(m[1]) : undefined;
      },
      10000,
      'the dead-letter gauge to count the job',
    );
    expect(dead).toBe(await queue.getFailedCount());
  });

  it('ok/a completed job delivered again completes again without signing a second certificate', async () => {
    const created = await api('POST', '/api/v1/certificates', { body: validCertificate(`redeliver-${Date.now()}`) });
    const jobId: string = created.body.job_id;
    expect(await finished(jobId)).toBe('completed');
    const before = (await api('GET', `/api/v1/certificates/${created.body.id}`)).body;
    expect(before.status).toBe('active');

    await (await queue.getJob(jobId))!.retry('completed');
    const again = await waitFor(
      async () => {
        const j = await queue.getJob(jobId);
        return j && (await j.getState()) === 'completed' && j.returnvalue?.skipped ? j : undefined;
      },
      30000,
      'the redelivered job to complete',
    );
    expect(again.returnvalue).toEqual({ skipped: 'completed' });

    const counts = await db.query(
      `SELECT (SELECT count(*) FROM issued_certificates WHERE job_id = $1)::int AS issued,
              (SELECT count(*) FROM certificate_versions WHERE job_id = $1)::int AS versions`,
      [jobId],
    );
    expect(counts.rows[0]).toEqual({ issued: 1, versions: 1 });
    const after = (await api('GET', `/api/v1/certificates/${created.body.id}`)).body;
    expect(after.serial_number).toBe(before.serial_number);
  });

  it('ok/queue metrics are listed by issuance, which works the queue, and not by the gateway', async () => {
    expect(await metricsOf(state.ports.issuance)).toContain('# TYPE certctl_queue_job_duration_seconds histogram');
    const gateway = await metricsOf(Number(state.env.CERTCTL_GATEWAY_METRICS_PORT));
    expect(gateway).toContain('certctl_http_request_duration_seconds');
    expect(gateway).not.toContain('certctl_queue_');
  });
});
