import { Client } from 'pg';
import { readState } from './e2e-env';
import { api, validCertificate, waitFor } from './http';

const run = Date.now().toString(36);
const JITTER_MAX_MS = 1000; // CERTCTL_RENEWAL_JITTER_MAX_MS of the e2e stack (global-setup.ts)

async function created(path: string, body: unknown): Promise<any> {
  const r = await api('POST', path, { body });
  expect(r.status).toBe(201);
  return r.body;
}

async function activeCertificate(name: string, policyId: string, profileId?: string): Promise<any> {
  const cert = await created('/api/v1/certificates', {
    ...validCertificate(name),
    renewal_policy_id: policyId,
    ...(profileId ? { profile_id: profileId } : {}),
  });
  const id = (cert.certificate ?? cert).id as string;
  return waitFor(
    async () => {
      const r = await api('GET', `/api/v1/certificates/${id}`);
      return r.body.status === 'active' ? r.body : undefined;
    },
    60000,
    `certificate ${name} to be issued`,
  );
}

describe('renewal you can watch', () => {
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: readState().env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
  });

  it('ok/a certificate shows when it will be renewed and why (policy at 2/3, jitter bounds), in the item and in the list', async () => {
    const policy = await created('/api/v1/renewal-policies', { name: `watch-23-${run}`, renew_before_fraction: 1 / 3 });
    const cert = await activeCertificate(`watch-${run}`, policy.id);
    const life = Date.parse(cert.not_after) - Date.parse(cert.not_before);
    const due = Date.parse(cert.not_before) + Math.round((2 / 3) * life);
    expect(cert.renewal).toMatchObject({
      source: 'policy',
      reason: 'renew_before_fraction',
      window: null,
      job: null,
      explanation: expect.stringContaining('33.3% of the lifetime is left'),
    });
    expect(Math.abs(Date.parse(cert.renewal.due_at) - due)).toBeLessThanOrEqual(1);
    const jitter = Date.parse(cert.renewal.starts_at) - Date.parse(cert.renewal.due_at);
    expect(jitter).toBeGreaterThanOrEqual(0);
    expect(jitter).toBeLessThan(JITTER_MAX_MS);

    const list = await api('GET', `/api/v1/certificates?q=${encodeURIComponent(`watch-${run}`)}`);
    expect(list.status).toBe(200);
    expect(list.body.data.find((c: any) => c.id === cert.id)?.renewal).toEqual(cert.renewal);
  });

  it('ok/a due renewal held for approval shows renewal_in_progress with its job, scheduled_at and waiting_reason', async () => {
    // A 5-minute test profile (max_validity_seconds) under a policy renewing when 2/3 of the
    // lifetime is left: due 100 s after the backdated not_before, about 40 s after issuance. Once
    // issued, the profile starts requiring approval, so the scheduler's renewal job waits for it.
    const policy = await created('/api/v1/renewal-policies', { name: `watch-appr-${run}`, renew_before_fraction: 2 / 3 });
    const profile = await created('/api/v1/profiles', { name: `watch-approval-${run}`, max_validity_seconds: 300 });
    const cert = await activeCertificate(`watch-appr-${run}`, policy.id, profile.id);
    expect(Date.parse(cert.not_after) - Date.parse(cert.not_before)).toBe(299_000);
    const patched = await api('PATCH', `/api/v1/profiles/${profile.id}`, { body: { requires_approval: true } });
    expect(patched.status).toBe(200);
    expect(Date.parse(cert.renewal.due_at)).toBeGreaterThan(Date.now());
    const waiting = await waitFor(
      async () => {
        const r = await api('GET', `/api/v1/certificates/${cert.id}`);
        return r.body.status === 'renewal_in_progress' ? r.body : undefined;
      },
      90000,
      'the scheduler to create the renewal job',
    );
    expect(Date.parse(waiting.renewal.due_at)).toBeLessThanOrEqual(Date.now());
    expect(waiting.renewal.job).toMatchObject({
      type: 'renewal',
      status: 'awaiting_approval',
      scheduled_at: expect.any(String),
      waiting_reason: { code: 'awaiting_approval', detail: expect.stringContaining('approve'), until: null },
    });
    // the job's start is the due time plus the certificate's jitter, as the scheduler planned it
    const start = Date.parse(waiting.renewal.job.scheduled_at);
    expect(start).toBeGreaterThanOrEqual(Date.parse(waiting.renewal.due_at));

    const job = await api('GET', `/api/v1/jobs/${waiting.renewal.job.id}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      status: 'awaiting_approval',
      scheduled_at: waiting.renewal.job.scheduled_at,
      waiting_reason: { code: 'awaiting_approval' },
    });
    const listed = await api('GET', `/api/v1/jobs?certificate_id=${cert.id}&status=awaiting_approval`);
    expect(listed.body.data.map((j: any) => j.waiting_reason?.code)).toEqual(['awaiting_approval']);
  });

  it('ok/a job backing off after a failed attempt shows the next attempt time', async () => {
    const policy = await created('/api/v1/renewal-policies', { name: `watch-retry-${run}`, renew_before_fraction: 1 / 3 });
    const cert = await activeCertificate(`watch-retry-${run}`, policy.id);
    // Test setup: a renewal whose attempt failed, as the issuance worker records it (retry_at = now + backoff).
    const jobId = `job-watch-${run}`;
    await db.query(
      `INSERT INTO jobs (id, type, status, certificate_id, attempts, max_attempts, last_error, scheduled_at, updated_at)
       VALUES ($1, 'renewal', 'pending', $2, 1, 3, 'issuer_failure: the CA did not answer', now() + interval '10 minutes', now())`,
      [jobId, cert.id],
    );
    await db.query(`UPDATE certificates SET status = 'renewal_in_progress' WHERE id = $1`, [cert.id]);
    const job = await api('GET', `/api/v1/jobs/${jobId}`);
    expect(job.body).toMatchObject({
      status: 'pending',
      waiting_reason: { code: 'retry_backoff', detail: expect.stringContaining('the CA did not answer'), until: job.body.scheduled_at },
    });
    expect(Date.parse(job.body.scheduled_at)).toBeGreaterThan(Date.now());
    const shown = await api('GET', `/api/v1/certificates/${cert.id}`);
    expect(shown.body).toMatchObject({
      status: 'renewal_in_progress',
      renewal: { job: { id: jobId, waiting_reason: { code: 'retry_backoff' } } },
    });
    await db.query(`UPDATE jobs SET status = 'cancelled', completed_at = now() WHERE id = $1`, [jobId]);
  });
});
