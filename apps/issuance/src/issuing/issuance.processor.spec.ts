import type { Job } from 'bullmq';
import { AppError, type IssuanceJobData, Rpc } from '@certctl/contracts';
import type { IssuanceConfig } from '../config';
import { IssuanceProcessor } from './issuance.processor';

type Status = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'awaiting_approval' | 'awaiting_csr';

/** A processor over fakes: inventory answers jobStart/jobFail as told; the issuer's CA cannot be loaded (retryable). */
function setup(o: { start: Status; lastError?: string | null; failStatus?: Status; caError?: AppError }) {
  const calls: { subject: string; payload: unknown }[] = [];
  const rpc = {
    request: jest.fn(async (contract: { subject: string }, payload: unknown) => {
      calls.push({ subject: contract.subject, payload });
      if (contract === Rpc.inventory.jobStart) {
        return {
          job_id: 'job-1',
          status: o.start,
          attempts: 3,
          max_attempts: 3,
          last_error: o.lastError ?? null,
          certificate: {
            id: 'cert-1',
            common_name: 'a.example.com',
            sans: ['a.example.com'],
            issuer_id: 'iss-sub',
            profile_id: null,
            validity_days: 90,
            ekus: ['serverAuth'],
            key_algorithm: 'ECDSA-P256',
          },
        };
      }
      if (contract === Rpc.inventory.jobFail) return { job_id: 'job-1', status: o.failStatus ?? 'pending', attempts: 3 };
      throw new Error(`unexpected request ${contract.subject}`);
    }),
  };
  const db = { issuedCertificate: { findUnique: jest.fn(async () => null), create: jest.fn() } };
  const issuers = {
    issuerType: jest.fn(async () => 'local'),
    ca: jest.fn(async () => {
      throw o.caError ?? new AppError('issuer_failure', 'issuer iss-sub has no CA yet', { retryable: true });
    }),
  };
  const processor = new IssuanceProcessor(
    db as never,
    rpc as never,
    {} as never,
    issuers as never,
    {
      CERTCTL_PUBLIC_BASE_URL: 'http://127.0.0.1:8080',
    } as IssuanceConfig,
  );
  const job = (attemptsMade: number, attempts = 5) =>
    ({
      id: 'job-1',
      data: { job_id: 'job-1', certificate_id: 'cert-1' },
      attemptsMade,
      opts: { attempts },
    }) as unknown as Job<IssuanceJobData>;
  return { processor, job, calls, issuers, db };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the job to fail');
}

describe('IssuanceProcessor attempt bounds', () => {
  it('ok/a retryable failure with attempts left on the job row stays retryable (the queue retries it)', async () => {
    const { processor, job, calls } = setup({ start: 'running', failStatus: 'pending' });
    const err = await rejection(processor.process(job(0)));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: true });
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toEqual({
      job_id: 'job-1',
      error: 'issuer_failure: issuer iss-sub has no CA yet',
      terminal: false,
    });
  });

  it("fail/when the job row's max_attempts is reached before the queue's, the queue job is failed for good, with the reason", async () => {
    // Attempt 3 of a queue budget of 5: not the queue's last, but inventory marks the job failed.
    const { processor, job, calls } = setup({ start: 'running', failStatus: 'failed' });
    const err = await rejection(processor.process(job(2, 5)));
    expect(err).toMatchObject({ code: 'issuer_failure', retryable: false, message: 'issuer iss-sub has no CA yet' });
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toMatchObject({ terminal: false });
  });

  it("fail/on the queue's last attempt the failure is recorded as terminal and not retried", async () => {
    const { processor, job, calls } = setup({ start: 'running', failStatus: 'failed' });
    const err = await rejection(processor.process(job(4, 5)));
    expect(err.retryable).toBe(false);
    expect(calls.find((c) => c.subject === Rpc.inventory.jobFail.subject)?.payload).toMatchObject({ terminal: true });
  });

  it('fail/a delivery of a job whose row already failed ends failed (dead letter), never completed, and signs nothing', async () => {
    const { processor, job, calls, issuers } = setup({ start: 'failed', lastError: 'issuer_failure: issuer iss-sub has no CA yet' });
    const err = await rejection(processor.process(job(3, 5)));
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('issuer_failure: issuer iss-sub has no CA yet');
    expect(issuers.ca).not.toHaveBeenCalled();
    expect(calls.map((c) => c.subject)).toEqual([Rpc.inventory.jobStart.subject]);
  });

  it.each(['completed', 'cancelled'] as const)('ok/a redelivered %s job completes without signing again', async (status) => {
    const { processor, job, calls, issuers, db } = setup({ start: status });
    await expect(processor.process(job(0))).resolves.toEqual({ skipped: status });
    expect(issuers.ca).not.toHaveBeenCalled();
    expect(db.issuedCertificate.create).not.toHaveBeenCalled();
    expect(calls.map((c) => c.subject)).toEqual([Rpc.inventory.jobStart.subject]);
  });
});
