import { Client } from 'pg';
import { readState } from './e2e-env';
import { api, expectProblem, validCertificate, waitFor } from './http';
import { restartService } from './restart';

describe('dead-lettered jobs: listed with their last error, retried by an operator', () => {
  const run = Date.now().toString(36);
  // A local root issuer without its CA yet: every attempt fails ("has no CA yet") until the
  // issuance service makes the root CA, which it does for such issuers when it starts.
  const issuerId = `iss-e2e-retry-${run}`;
  let db: Client;
  let operatorKey: string;
  let viewerKey: string;
  let cert: { id: string; job_id: string };

  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
    await db.query(`INSERT INTO issuers (id, name, type, updated_at) VALUES ($1, $1, 'local', now())`, [issuerId]);
    const keys = await Promise.all(
      (['operator', 'viewer'] as const).map((role) => api('POST', '/api/v1/api-keys', { body: { name: `retry-${role}-${run}`, role } })),
    );
    [operatorKey, viewerKey] = keys.map((k) => k.body.key as string);
    const created = await api('POST', '/api/v1/certificates', { body: { ...validCertificate(`retry-${run}`), issuer_id: issuerId } });
    expect(created.status).toBe(201);
    cert = created.body;
  });

  afterAll(() => db.end());

  it('ok/the job fails terminally and GET /api/v1/jobs?status=failed lists it with its last error', async () => {
    const failed = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/jobs?status=failed&certificate_id=${cert.id}`);
        return r.body.data?.[0];
      },
      30000,
      'the job to fail',
    );
    expect(failed).toMatchObject({ id: cert.job_id, status: 'failed', attempts: 3, max_attempts: 3 });
    expect(failed.last_error).toContain(`issuer ${issuerId} has no CA yet`);
    const all = await api('GET', '/api/v1/jobs?status=failed&limit=500');
    expect(all.body.data.every((j: { status: string }) => j.status === 'failed')).toBe(true);
    expect(all.body.data.map((j: { id: string }) => j.id)).toContain(cert.job_id);
    expect((await api('GET', `/api/v1/certificates/${cert.id}`)).body.status).toBe('failed');
  });

  it('fail/retrying a job that has not failed is a 409; a viewer may not retry (403); an unknown job is a 404', async () => {
    const ok = await api('POST', '/api/v1/certificates', { body: validCertificate(`retry-ok-${run}`) });
    await waitFor(
      async () => ((await api('GET', `/api/v1/jobs/${ok.body.job_id}`)).body.status === 'completed' ? true : undefined),
      30000,
      'a job to complete',
    );
    const conflict = await api('POST', `/api/v1/jobs/${ok.body.job_id}/retry`, { key: operatorKey });
    expectProblem(conflict, 409);
    expect(conflict.body.detail).toMatch(/is completed; only a failed job can be retried/);
    expectProblem(await api('POST', `/api/v1/jobs/${cert.job_id}/retry`, { key: viewerKey }), 403);
    expectProblem(await api('POST', '/api/v1/jobs/job-does-not-exist/retry', { key: operatorKey }), 404);
  });

  it('ok/after the cause is fixed an operator retries it: pending with attempts reset and last error kept, then completed', async () => {
    await restartService('issuance'); // makes the missing root CA of the fixture issuer
    const issuer = await api('GET', `/api/v1/issuers/${issuerId}`);
    expect(issuer.body.ca_certificate_pem).toContain('BEGIN CERTIFICATE');

    const retried = await api('POST', `/api/v1/jobs/${cert.job_id}/retry`, { key: operatorKey });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: cert.job_id, status: 'pending', attempts: 0, completed_at: null });
    expect(retried.body.last_error).toContain('has no CA yet');

    const done = await waitFor(
      async () => {
        const j = (await api('GET', `/api/v1/jobs/${cert.job_id}`)).body;
        return j.status === 'completed' || j.status === 'failed' ? j : undefined;
      },
      60000,
      'the retried job to finish',
    );
    expect(done).toMatchObject({ status: 'completed', attempts: 1, last_error: null });
    const active = (await api('GET', `/api/v1/certificates/${cert.id}`)).body;
    expect(active).toMatchObject({ status: 'active', current_version: { issuer_id: issuerId, key_source: 'server' } });

    expectProblem(await api('POST', `/api/v1/jobs/${cert.job_id}/retry`, { key: operatorKey }), 409);
    const audit = await waitFor(
      async () => {
        const r = await db.query(
          `SELECT actor, role, status FROM audit_events WHERE action = 'job.retry' AND resource_id = $1 ORDER BY occurred_at`,
          [cert.job_id],
        );
        return r.rows.length >= 3 ? r.rows : undefined;
      },
      10000,
      'the audit rows of the retries',
    );
    expect(audit.map((r) => [r.role, r.status])).toEqual([
      ['viewer', 403],
      ['operator', 200],
      ['operator', 409],
    ]);
  }, 120000);
});
