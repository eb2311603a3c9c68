import { counter, getLogger, registry } from '@certctl/observability';
import { Histogram } from 'prom-client';
import type { LeaseService } from './lease.service';

const runs = counter(
  'certctl_scheduler_loop_runs_total',
  'Scheduler loop runs by loop and result (ok, failed, skipped: another replica holds the lease)',
  ['loop', 'result'],
);
const duration =
  (registry.getSingleMetric('certctl_scheduler_loop_duration_seconds') as Histogram | undefined) ??
  new Histogram({
    name: 'certctl_scheduler_loop_duration_seconds',
    help: 'Duration of scheduler loop runs',
    labelNames: ['loop'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });

export interface LoopSpec {
  name: string;
  intervalMs: number;
  run: () => Promise<Record<string, unknown> | void>;
}

/** Runs a loop every interval (never overlapping itself) while this replica holds its lease. */
export class LoopRunner {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly spec: LoopSpec,
    private readonly lease: LeaseService,
  ) {}

  start(): void {
    this.schedule(Math.min(1000, this.spec.intervalMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().then(
        () => this.schedule(this.spec.intervalMs),
        () => this.schedule(this.spec.intervalMs),
      );
    }, delay);
    this.timer.unref();
  }

  /** One run (exposed for tests and the benchmark): acquire the lease, run, record metrics. */
  async runOnce(): Promise<'ok' | 'failed' | 'skipped'> {
    const { name } = this.spec;
    const ttl = Math.max(this.spec.intervalMs * 3, 30000);
    let result: 'ok' | 'failed' | 'skipped' = 'ok';
    const end = duration.startTimer({ loop: name });
    try {
      if (!(await this.lease.tryAcquire(`loop:${name}`, ttl))) {
        result = 'skipped';
        return result;
      }
      const summary = await this.spec.run();
      if (summary && Object.values(summary).some((v) => typeof v === 'number' && v > 0))
        getLogger().info({ loop: name, ...summary }, 'scheduler loop ran');
    } catch (err) {
      result = 'failed';
      getLogger().warn({ loop: name, err: (err as Error).message }, 'scheduler loop failed');
    } finally {
      if (result !== 'skipped') end();
      runs.inc({ loop: name, result });
    }
    return result;
  }
}
