import { AppError } from '@certctl/contracts';
import type { Db } from '@certctl/database';

type JobStatus = Db.JobStatus;
type JobType = Db.JobType;

/**
 * Every allowed job status change, in one table. `running → running` is a redelivery
 * after a worker died; `running → pending` is a retry with attempts left;
 * `failed → pending` is an operator's retry; `running → awaiting_ca` is an asynchronous CA's
 * "pending" answer (the issuance service polls it; cancelling stops the polling).
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['running', 'awaiting_approval', 'awaiting_csr', 'cancelled', 'failed'],
  awaiting_approval: ['pending', 'awaiting_csr', 'cancelled', 'failed'],
  awaiting_csr: ['pending', 'running', 'failed', 'cancelled'],
  running: ['running', 'completed', 'failed', 'pending', 'awaiting_csr', 'awaiting_ca'],
  awaiting_ca: ['completed', 'failed', 'cancelled'],
  failed: ['pending'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

export function assertTransition(jobId: string, from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) {
    throw new AppError('illegal_transition', `job ${jobId} cannot go from ${from} to ${to}`);
  }
}

/**
 * What an agent may change: only its own deployment jobs (issuance, renewal and revocation
 * jobs belong to the platform's workers), and never a job held for approval (only a person
 * with jobs:approve moves those). Then the one transition table applies.
 */
export function assertAgentTransition(job: { id: string; type: JobType; status: JobStatus }, to: JobStatus): void {
  if (job.type !== 'deployment') {
    throw new AppError('forbidden', `job ${job.id} is a ${job.type} job; an agent may only report on its deployment jobs`);
  }
  if (job.status === 'awaiting_approval') {
    throw new AppError('illegal_transition', `job ${job.id} is awaiting approval; an agent cannot move it`);
  }
  assertTransition(job.id, job.status, to);
}
