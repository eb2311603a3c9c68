import { AppError } from '@certctl/contracts';
import type { Db } from '@certctl/database';

type JobStatus = Db.JobStatus;

/**
 * Every allowed job status change, in one table. `running → running` is a redelivery
 * after a worker died; `running → pending` is a retry with attempts left;
 * `failed → pending` is an operator's retry.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['running', 'awaiting_approval', 'awaiting_csr', 'cancelled', 'failed'],
  awaiting_approval: ['pending', 'awaiting_csr', 'cancelled', 'failed'],
  awaiting_csr: ['pending', 'running', 'failed', 'cancelled'],
  running: ['running', 'completed', 'failed', 'pending', 'awaiting_csr'],
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
