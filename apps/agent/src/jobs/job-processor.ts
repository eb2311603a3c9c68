import type { GatewayClient, JobReport } from '../client/gateway-client';
import { GatewayError } from '../client/http';
import type { KeyStore } from '../keys/key-store';
import { agentLog } from '../log';
import { retrying } from '../runtime/retry';
import { stopFor } from '../runtime/stop';
import { deploymentReport } from './deploy-job';
import type { JobJournal } from './journal';
import type { JobRunner } from './job-runner';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface ProcessorDeps {
  client: GatewayClient;
  keys: KeyStore;
  journal: JobJournal;
  stateDir: string;
  signal: AbortSignal;
  /** Called with a stop (410, 401/403) met while working a job. */
  onStop(err: unknown): void;
}

/**
 * One deployment job from start to acknowledged report, journaled at each phase so a restart
 * re-reports an unacknowledged outcome or redoes an interrupted deployment (idempotent: the
 * same version's files again).
 */
export function jobProcessor(deps: ProcessorDeps, runner: () => JobRunner) {
  const { client, journal, signal } = deps;

  async function deliver(jobId: string, report: JobReport): Promise<void> {
    try {
      await retrying(`reporting job ${jobId} ${report.status}`, () => client.report(jobId, report), signal);
    } catch (err) {
      if (stopFor(err) || !(err instanceof GatewayError)) throw err;
      agentLog.warn({ job_id: jobId, error: err.message }, 'the server refused the report; dropping it');
    }
    if (!signal.aborted) await journal.acknowledged(jobId);
  }

  async function deploy(jobId: string): Promise<void> {
    const job = await retrying(`reading job ${jobId}`, () => client.job(jobId), signal);
    if (TERMINAL.has(job.status)) {
      agentLog.info({ job_id: jobId, status: job.status }, 'job already finished on the server');
      return journal.acknowledged(jobId);
    }
    const targetId = job.target?.id ?? null;
    await runner().exclusive(targetId ?? jobId, async () => {
      await journal.started(jobId, targetId);
      await retrying(`reporting job ${jobId} running`, () => client.report(jobId, { status: 'running' }), signal);
      agentLog.info({ job_id: jobId, target_id: targetId, target_type: job.target?.type }, 'deploying');
      const report = await deploymentReport(job, deps.keys, deps.stateDir);
      await journal.finished(jobId, report);
      agentLog.info({ job_id: jobId, target_id: targetId, status: report.status, error: report.error }, 'deployment finished');
      await deliver(jobId, report);
    });
  }

  return async (jobId: string): Promise<void> => {
    try {
      const entry = journal.get(jobId);
      if (entry?.phase === 'finished' && entry.outcome) await deliver(jobId, entry.outcome);
      else await deploy(jobId);
    } catch (err) {
      if (stopFor(err)) return deps.onStop(err);
      if (!signal.aborted)
        agentLog.error({ job_id: jobId, error: (err as Error).message }, 'job could not be worked; it stays in the journal');
    }
  };
}
