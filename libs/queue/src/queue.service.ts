import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DelayedError, type Job, Queue, UnrecoverableError, Worker, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError, QUEUE_RETRY, type QueueJobData, type QueueName, type QueueRetryPolicy } from '@certctl/contracts';
import { getLogger, extractTraceContext, withSpan, SpanKind } from '@certctl/observability';
import { createRedisClient } from '@certctl/platform';
import { WAITING_SINCE, dependencyRetryDelay } from './dependency-wait';
import { QUEUE_JOB_STATES, type QueueJobCounts, queueDeadLetters, queueJobDuration, queueJobs } from './queue-metrics';

export const QUEUE_OPTIONS = Symbol('QUEUE_OPTIONS');
export interface QueueOptions {
  redisUrl: string;
  /**
   * Overrides of the queues' retry policy (QUEUE_RETRY in @certctl/contracts) for the
   * jobs this process adds. Only a producer's values matter: BullMQ keeps them on each job.
   */
  retry?: Partial<Record<QueueName, Partial<QueueRetryPolicy>>>;
}

/** The retry policy of a queue: its QUEUE_RETRY entry with the given overrides. */
export function retryPolicy(name: QueueName, override: Partial<QueueRetryPolicy> = {}): QueueRetryPolicy {
  const base = QUEUE_RETRY[name];
  return { attempts: override.attempts ?? base.attempts, backoffMs: override.backoffMs ?? base.backoffMs };
}

/** BullMQ options of every job added to a queue: bounded attempts, exponential backoff, dead letters kept. */
export function jobOptions(name: QueueName, override?: Partial<QueueRetryPolicy>): JobsOptions {
  const { attempts, backoffMs } = retryPolicy(name, override);
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 10000 },
    removeOnFail: false,
  };
}

/**
 * How long BullMQ waits before retrying a job whose attempt number `attemptsMade + 1` just
 * failed (BullMQ's own formula: exponential doubles from the backoff delay), or null when
 * that was its last attempt. Lets a worker record the next attempt time where people look.
 */
export function retryDelayMs(opts: Pick<JobsOptions, 'attempts' | 'backoff'>, attemptsMade: number): number | null {
  if (attemptsMade + 1 >= (opts.attempts ?? 1)) return null;
  const backoff = typeof opts.backoff === 'number' ? { type: 'fixed', delay: opts.backoff } : opts.backoff;
  const delay = backoff?.delay ?? 0;
  return backoff?.type === 'exponential' ? Math.round(2 ** attemptsMade * delay) : delay;
}

export interface DeadLetter {
  id: string;
  name: string;
  data: unknown;
  attempts_made: number;
  failed_reason: string;
  failed_at: string | null;
}

/**
 * BullMQ with the platform's conventions: bounded attempts with exponential backoff;
 * a job failing its last attempt (or failing with a non-retryable AppError) stays in
 * the failed set — the dead-letter state — where it can be listed and requeued.
 */
@Injectable()
export class QueueService implements OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  /** Each worker's own connection: BullMQ does not close a connection it was given, so shutdown does. */
  private readonly workerConnections: Redis[] = [];
  private readonly worked = new Set<QueueName>();

  constructor(@Inject(QUEUE_OPTIONS) private readonly options: QueueOptions) {
    this.connection = createRedisClient(options.redisUrl, 'queue');
  }

  /** Options of the jobs this process adds to a queue (see jobOptions). */
  jobOptions(name: QueueName): JobsOptions {
    return jobOptions(name, this.options.retry?.[name]);
  }

  queue<N extends QueueName>(name: N): Queue<QueueJobData[N]> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, defaultJobOptions: this.jobOptions(name) });
      this.queues.set(name, q);
    }
    return q as unknown as Queue<QueueJobData[N]>;
  }

  /** Adds a job whose id is the idempotency key: adding the same id twice queues it once. */
  async add<N extends QueueName>(name: N, jobId: string, data: QueueJobData[N], opts: JobsOptions = {}): Promise<void> {
    await (this.queue(name) as Queue).add(name, data, { ...opts, jobId });
  }

  /**
   * Makes sure a job its owner still wants runs (again): a dead-lettered entry is retried in place
   * with a fresh attempt budget (its failure never reached the owner's record, or the owner reset
   * it); a missing or finished one is added again; a waiting, delayed or active one runs anyway.
   * With `onlyDead` only a dead entry is touched. Answers what it did.
   */
  async ensureQueued<N extends QueueName>(
    name: N,
    jobId: string,
    data: QueueJobData[N],
    options: { onlyDead?: boolean } = {},
  ): Promise<'added' | 'revived' | 'queued'> {
    const entry = await this.queue(name).getJob(jobId);
    const state = entry ? await entry.getState() : 'missing';
    if (entry && state === 'failed') {
      await entry.retry('failed', { resetAttemptsMade: true });
      void this.refreshDeadLetterGauge(name).catch(() => undefined);
      return 'revived';
    }
    if (options.onlyDead || (state !== 'missing' && state !== 'completed')) return 'queued';
    if (entry) await entry.remove();
    await this.add(name, jobId, data);
    return 'added';
  }

  worker<N extends QueueName>(
    name: N,
    processor: (job: Job<QueueJobData[N]>) => Promise<unknown>,
    opts: { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number } = {},
  ): Worker<QueueJobData[N]> {
    const jobDuration = queueJobDuration();
    const connection = this.connection.duplicate();
    this.workerConnections.push(connection);
    queueDeadLetters(); // registered with the worker, so a process that works a queue always lists it
    this.worked.add(name);
    queueJobs(() => this.jobCounts());
    void this.refreshDeadLetterGauge(name).catch(() => undefined); // 0 from the start, not absent until the first dead job
    const worker = new Worker<QueueJobData[N]>(
      name,
      async (job, token) => {
        const started = process.hrtime.bigint();
        const parent = extractTraceContext({ traceparent: (job.data as { traceparent?: string }).traceparent });
        let result = 'ok';
        try {
          return await withSpan(`queue ${name}`, { kind: SpanKind.CONSUMER, parent, attributes: { 'queue.job_id': String(job.id) } }, () =>
            processor(job),
          );
        } catch (err) {
          result = 'error';
          if (err instanceof AppError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
          if (token && (await this.waitOutOutage(job, token, err))) {
            result = 'dependency_unavailable';
            throw new DelayedError();
          }
          throw err;
        } finally {
          jobDuration.observe({ queue: name, result }, Number(process.hrtime.bigint() - started) / 1e9);
        }
      },
      {
        connection,
        concurrency: opts.concurrency ?? 10,
        autorun: true,
        // How soon a job held by a dead worker is taken over (BullMQ defaults: 30 s each).
        ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
        ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
      },
    );
    worker.on('failed', (job, err) => {
      const last = job && (job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError);
      getLogger().warn({ queue: name, job_id: job?.id, attempts: job?.attemptsMade, dead: last, error: err.message }, 'queue job failed');
      if (last) void this.refreshDeadLetterGauge(name);
    });
    worker.on('error', (err) => getLogger().warn({ queue: name, err: err.message }, 'queue worker error'));
    this.workers.push(worker);
    return worker;
  }

  /**
   * A platform service, database or bus was unreachable: the job goes back to wait a second or
   * two without spending an attempt (dependencyRetryDelay), so an outage longer than the backoff
   * does not dead-letter the work that was in flight. False when the attempt counts as usual.
   */
  private async waitOutOutage(job: Job, token: string, err: unknown): Promise<boolean> {
    const now = Date.now();
    const since = (job.data as Record<string, unknown>)[WAITING_SINCE] as number | undefined;
    const delay = dependencyRetryDelay(err, since, now);
    if (delay === null) return false;
    try {
      if (since === undefined) await job.updateData({ ...job.data, [WAITING_SINCE]: now });
      await job.moveToDelayed(now + delay, token);
    } catch {
      return false; // Redis is the one down: BullMQ's own retry and stalled-job recovery take over
    }
    getLogger().info(
      { queue: job.queueName, job_id: job.id, retry_in_ms: delay, error: (err as Error).message },
      'a dependency is unavailable; the job waits without spending an attempt',
    );
    return true;
  }

  async deadLetters(name: QueueName, start = 0, end = 99): Promise<DeadLetter[]> {
    const jobs = await this.queue(name).getFailed(start, end);
    return jobs.map((j) => ({
      id: String(j.id),
      name: j.name,
      data: j.data,
      attempts_made: j.attemptsMade,
      failed_reason: j.failedReason,
      failed_at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
    }));
  }

  /** Puts a dead-lettered job back on its queue with a fresh attempt budget. */
  async requeue(name: QueueName, id: string): Promise<void> {
    const job = await this.queue(name).getJob(id);
    if (!job) throw AppError.notFound('queue job', id);
    if (!(await job.isFailed())) throw new AppError('conflict', `queue job ${id} is not in the dead-letter state`);
    await job.retry('failed', { resetAttemptsMade: true });
    await this.refreshDeadLetterGauge(name);
  }

  /** Waiting, prioritized, delayed and active jobs of each queue this process works. */
  async jobCounts(): Promise<QueueJobCounts> {
    const out: QueueJobCounts = {};
    for (const name of this.worked) out[name] = await this.queue(name).getJobCounts(...QUEUE_JOB_STATES);
    return out;
  }

  async refreshDeadLetterGauge(name: QueueName): Promise<number> {
    const n = await this.queue(name).getFailedCount();
    queueDeadLetters().set({ queue: name }, n);
    return n;
  }

  async ping(): Promise<void> {
    const pong = await this.connection.ping();
    if (pong !== 'PONG') throw new Error(`unexpected redis reply ${pong}`);
  }

  /**
   * Workers stop taking jobs and finish the ones in flight before any onApplicationShutdown hook
   * runs, so those jobs still have the service's RPC client, database and bus: closed in the same
   * hook round, a job in flight met a draining NATS connection (CONNECTION_DRAINING) at its last
   * step and was redelivered to another replica (seen in the replicas fault spec's rolling restart).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
  }

  async onApplicationShutdown(): Promise<void> {
    // Workers first (already closed by beforeApplicationShutdown in an app; close() is idempotent).
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.allSettled([...this.workerConnections, this.connection].map((c) => c.quit()));
  }
}
