import { waitingReason } from './job-waiting';

const now = new Date('2026-03-01T12:00:00.000Z');
const later = new Date('2026-03-01T12:05:00.000Z');
const job = { status: 'pending' as const, attempts: 0, maxAttempts: 3, lastError: null, scheduledAt: now };

describe('waitingReason', () => {
  it('ok/awaiting approval and awaiting a CSR say so, with no time', () => {
    expect(waitingReason({ ...job, status: 'awaiting_approval' }, now)).toMatchObject({ code: 'awaiting_approval', until: null });
    expect(waitingReason({ ...job, status: 'awaiting_csr' }, now)).toMatchObject({ code: 'awaiting_csr', until: null });
  });

  it('ok/a job awaiting its CA names the order and when the CA is asked next', () => {
    expect(waitingReason({ ...job, status: 'awaiting_ca', scheduledAt: later, result: { ca_order_id: 'ord-9' } }, now)).toEqual({
      code: 'awaiting_ca',
      detail: `the CA accepted the request as order ord-9 and has not finished it: the issuance service asks again at ${later.toISOString()}`,
      until: later.toISOString(),
    });
  });

  it('ok/a pending job scheduled later (renewal jitter) waits until its scheduled_at', () => {
    expect(waitingReason({ ...job, scheduledAt: later }, now)).toEqual({
      code: 'scheduled',
      detail: expect.stringContaining(later.toISOString()),
      until: later.toISOString(),
    });
  });

  it('ok/a failed attempt backing off names the error and the next attempt time', () => {
    const r = waitingReason({ ...job, attempts: 1, lastError: 'issuer_failure: CA down', scheduledAt: later }, now);
    expect(r).toEqual({ code: 'retry_backoff', detail: expect.stringContaining('issuer_failure: CA down'), until: later.toISOString() });
    expect(r?.detail).toContain('attempt 1 of 3');
  });

  it('ok/a pending job due now waits for a worker', () => {
    expect(waitingReason(job, now)).toMatchObject({ code: 'queued', until: null });
  });

  it('fail/running, completed, failed and cancelled jobs do not wait', () => {
    for (const status of ['running', 'completed', 'failed', 'cancelled'] as const)
      expect(waitingReason({ ...job, status }, now)).toBeNull();
  });
});
