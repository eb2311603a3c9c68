import { Histogram } from 'prom-client';
import { durationBuckets, registerOnce, registry } from '@certctl/observability';
import type { Heartbeat } from './agent.repository';

/** Writes a batch of heartbeats (one agent each) in one statement; resolves to the ids it updated (not retired, existing). */
export type HeartbeatWrite = (beats: { id: string; beat: Heartbeat }[]) => Promise<Set<string>>;

const batchSize = registerOnce(
  'certctl_agent_heartbeat_batch_size',
  () =>
    new Histogram({
      name: 'certctl_agent_heartbeat_batch_size',
      help: 'Heartbeats written by one UPDATE (agents in the batch)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
);
const batchDuration = registerOnce(
  'certctl_agent_heartbeat_batch_seconds',
  () =>
    new Histogram({
      name: 'certctl_agent_heartbeat_batch_seconds',
      help: 'Time of one batched heartbeat UPDATE, by result',
      labelNames: ['result'],
      buckets: durationBuckets,
      registers: [registry],
    }),
);

interface Pending {
  beat: Heartbeat;
  waiters: { resolve: (written: boolean) => void; reject: (err: unknown) => void }[];
}

/**
 * Heartbeats arriving together are written together: each `record` waits for the one UPDATE
 * that carries its row (its answer still says whether the row was written). One batch is in
 * flight at a time; what arrives meanwhile forms the next one, so batches grow with the load
 * and a lone heartbeat waits only `windowMs`. Two heartbeats of one agent in a batch: the last
 * one is written and both are answered by it.
 */
export class HeartbeatBatcher {
  private pending = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;
  private writing = false;

  constructor(
    private readonly write: HeartbeatWrite,
    private readonly opts: { windowMs: number; maxBatch: number },
  ) {}

  record(id: string, beat: Heartbeat): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const entry = this.pending.get(id);
      if (entry) {
        entry.beat = beat;
        entry.waiters.push({ resolve, reject });
      } else {
        this.pending.set(id, { beat, waiters: [{ resolve, reject }] });
      }
      this.schedule();
    });
  }

  /** Heartbeats not yet written (for tests and shutdown). */
  get queued(): number {
    return this.pending.size;
  }

  private schedule(): void {
    if (this.writing) return; // the batch in flight schedules the next when it is done
    if (this.pending.size >= this.opts.maxBatch) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.opts.windowMs);
  }

  private async flush(): Promise<void> {
    if (this.writing || !this.pending.size) return;
    this.writing = true;
    let batch: [string, Pending][];
    if (this.pending.size <= this.opts.maxBatch) {
      batch = [...this.pending];
      this.pending = new Map();
    } else {
      batch = [...this.pending].slice(0, this.opts.maxBatch);
      for (const [id] of batch) this.pending.delete(id);
    }
    const started = process.hrtime.bigint();
    batchSize.observe(batch.length);
    try {
      const written = await this.write(batch.map(([id, p]) => ({ id, beat: p.beat })));
      batchDuration.observe({ result: 'ok' }, Number(process.hrtime.bigint() - started) / 1e9);
      for (const [id, p] of batch) for (const w of p.waiters) w.resolve(written.has(id));
    } catch (err) {
      batchDuration.observe({ result: 'error' }, Number(process.hrtime.bigint() - started) / 1e9);
      for (const [, p] of batch) for (const w of p.waiters) w.reject(err);
    } finally {
      this.writing = false;
      // What arrived meanwhile has waited for this batch already: write it now.
      if (this.pending.size) {
        clearTimeout(this.timer);
        this.timer = undefined;
        void this.flush();
      }
    }
  }
}
