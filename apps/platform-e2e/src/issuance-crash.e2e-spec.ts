import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';
import { restartService } from './restart';

describe('a worker killed after signing and before acknowledging never signs twice', () => {
  it('ok/SIGKILL right after issued_certificates is written: the redelivered job completes with the first certificate', async () => {
    const name = `crash-after-sign-${Date.now().toString(36)}`;
    const state = readState();
    const db = new Client({ connectionString: state.env.DATABASE_URL });
    await db.connect();
    const redis = new IORedis(state.env.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue('certctl-issuance', { connection: redis });
    try {
      // Test hook (NODE_ENV=test only): the issuance process kills itself with SIGKILL right after
      // recording the certificate it signed for this common name, before completing the job or
      // acknowledging the queue entry. A short lock lets the redelivery come soon.
      const doomed = await restartService('issuance', {
        CERTCTL_TEST_CRASH_AFTER_SIGN: `${name}.example.com`,
        CERTCTL_ISSUANCE_LOCK_MS: '3000',
      });
      const created = await api('POST', '/api/v1/certificates', { body: validCertificate(name) });
      expect(created.status).toBe(201);
      const jobId: string = created.body.job_id;

      expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const first = await db.query('SELECT serial_number FROM issued_certificates WHERE job_id = $1', [jobId]);
      expect(first.rows).toHaveLength(1);
      const firstSerial: string = first.rows[0].serial_number;
      const mid = await db.query(
        `SELECT j.status::text, (SELECT count(*)::int FROM certificate_versions v WHERE v.job_id = j.id) AS versions FROM jobs j WHERE j.id = $1`,
        [jobId],
      );
      expect(mid.rows[0]).toEqual({ status: 'running', versions: 0 }); // signed, recorded, never completed
      expect(await (await queue.getJob(jobId))!.getState()).toBe('active'); // never acknowledged

      // Back up without the hook; the stalled entry is delivered again.
      await restartService('issuance', { CERTCTL_ISSUANCE_STALLED_INTERVAL_MS: '1000' });
      await waitFor(
        async () => {
          const j = await queue.getJob(jobId);
          return j && (await j.getState()) === 'completed' ? j : undefined;
        },
        90000,
        'the redelivered job to complete',
      );
      // Read again once completed: the entry read just before could predate its completion (no return value yet).
      const done = (await queue.getJob(jobId))!;
      expect(done.returnvalue).toEqual({ serial_number: firstSerial });
      expect(done.attemptsStarted).toBeGreaterThanOrEqual(2);

      const after = await db.query(
        `SELECT (SELECT count(*)::int FROM issued_certificates WHERE job_id = $1) AS issued,
                (SELECT count(*)::int FROM certificate_versions WHERE job_id = $1) AS versions,
                (SELECT count(*)::int FROM certificate_versions WHERE certificate_id = $2) AS cert_versions,
                (SELECT status::text FROM jobs WHERE id = $1) AS status`,
        [jobId, created.body.id],
      );
      expect(after.rows[0]).toEqual({ issued: 1, versions: 1, cert_versions: 1, status: 'completed' });
      const cert = (await api('GET', `/api/v1/certificates/${created.body.id}`)).body;
      expect(cert).toMatchObject({ status: 'active', serial_number: firstSerial });
    } finally {
      await queue.close();
      await redis.quit();
      await db.end();
    }
  }, 180000);
});
