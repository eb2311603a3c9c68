import { toRenewalDto } from './certificate-renewal';

const nb = new Date('2026-03-01T12:00:00.000Z');
const na = new Date('2026-03-01T12:10:00.000Z'); // a 10-minute certificate
const version = { notBefore: nb, notAfter: na, ariWindowStart: null, ariWindowEnd: null };
const policy = { id: 'rp', renewBeforeDays: null, renewBeforeFraction: 1 / 3, autoRenew: true };

describe('toRenewalDto', () => {
  it('ok/shows the due time of the policy and, with no job, no job', () => {
    const r = toRenewalDto({ id: 'crt_1' }, version, policy, null, 0);
    expect(r).toMatchObject({
      due_at: '2026-03-01T12:06:40.000Z',
      starts_at: '2026-03-01T12:06:40.000Z',
      source: 'policy',
      reason: 'renew_before_fraction',
      window: null,
      job: null,
    });
  });

  it('ok/an open renewal job is shown with when it runs and why it waits', () => {
    const job = {
      id: 'job_1',
      type: 'renewal' as const,
      certificateId: 'crt_1',
      status: 'pending' as const,
      attempts: 1,
      maxAttempts: 3,
      lastError: 'issuer_failure: down',
      scheduledAt: new Date('2026-03-01T12:07:00.000Z'),
    };
    const r = toRenewalDto({ id: 'crt_1' }, version, policy, job, 0, new Date('2026-03-01T12:06:50.000Z'));
    expect(r?.job).toEqual({
      id: 'job_1',
      type: 'renewal',
      status: 'pending',
      scheduled_at: '2026-03-01T12:07:00.000Z',
      waiting_reason: { code: 'retry_backoff', detail: expect.stringContaining('issuer_failure: down'), until: '2026-03-01T12:07:00.000Z' },
    });
  });

  it('fail/no version yet: no renewal', () => {
    expect(toRenewalDto({ id: 'crt_1' }, null, policy, null, 0)).toBeNull();
  });
});
