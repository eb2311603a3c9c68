import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { getLogger, registry } from '@certctl/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { type AuditRecord, minimalRecord, sanitizeRecord } from './audit-record';
import { AuditRepository } from './audit.repository';

const MAX_BUFFER = 50000;
const BATCH = 500;

const written = new Counter({ name: 'certctl_audit_events_written_total', help: 'Audit rows written', registers: [registry] });
const failures = new Counter({
  name: 'certctl_audit_write_failures_total',
  help: 'Audit batch writes that failed (retried)',
  registers: [registry],
});
const dropped = new Counter({
  name: 'certctl_audit_events_dropped_total',
  help: 'Audit rows dropped because the buffer was full while the database was unreachable',
  registers: [registry],
});
const setAside = new Counter({
  name: 'certctl_audit_events_set_aside_total',
  help: 'Audit rows the database refused even after sanitizing, written to the log instead (never retried)',
  registers: [registry],
});
const pending = new Gauge({ name: 'certctl_audit_buffer_size', help: 'Audit rows waiting to be written', registers: [registry] });
const flushSeconds = new Histogram({
  name: 'certctl_audit_flush_duration_seconds',
  help: 'Time to write one batch of audit rows',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

/**
 * Writes audit rows after the response has gone out, in small batches (at most
 * CERTCTL_AUDIT_FLUSH_MS late), so auditing adds no database round trip to a request.
 * Rows are sanitized when recorded; a batch is retried only while the database is
 * unreachable (a refused row never blocks the others); the buffer is bounded (MAX_BUFFER,
 * drops counted) and flushed on shutdown before the database closes.
 */
@Injectable()
export class AuditWriter implements BeforeApplicationShutdown, OnApplicationShutdown {
  private buffer: AuditRecord[] = [];
  /** recordDurably's callers, told when their row is stored. */
  private readonly stored = new Map<AuditRecord, () => void>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failuresInARow = 0;

  constructor(
    private readonly events: AuditRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  record(r: AuditRecord): void {
    this.push(r);
  }

  /**
   * Buffers the row and resolves once it is stored (with its batch); rejects when the buffer
   * is full, so a redeliverable source (the events stream) hands the row over again later.
   */
  recordDurably(r: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      const row = this.push(r);
      if (row) this.stored.set(row, resolve);
      else reject(new Error('the audit buffer is full'));
    });
  }

  private push(r: AuditRecord): AuditRecord | undefined {
    if (this.buffer.length >= MAX_BUFFER) {
      dropped.inc();
      getLogger().error({ action: r.action, actor: r.actor, path: r.path }, 'audit buffer full; row dropped');
      return undefined;
    }
    const row = sanitizeRecord(r);
    this.buffer.push(row);
    pending.set(this.buffer.length);
    this.schedule(this.buffer.length >= BATCH ? 0 : this.config.CERTCTL_AUDIT_FLUSH_MS);
    return row;
  }

  private schedule(ms: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  /**
   * Writes everything buffered so far; resolves when it is stored (or has failed once).
   * A batch the database refuses while it still answers is a data problem, not an outage:
   * it is split until the refused rows are alone, and each of those is written in a minimal
   * safe form or, if even that fails, set aside (logged, counted) so no row can stall the
   * rows behind it. Only an unreachable database puts the batch back for a later retry.
   */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (!this.buffer.length) return;
    const batch = this.buffer.splice(0, BATCH);
    const end = flushSeconds.startTimer();
    this.flushing = this.writeBatch(batch)
      .then(() => {
        this.failuresInARow = 0;
        for (const row of batch) {
          this.stored.get(row)?.();
          this.stored.delete(row);
        }
      })
      .catch((err: unknown) => {
        failures.inc();
        this.failuresInARow++;
        this.buffer.unshift(...batch);
        getLogger().error({ err: (err as Error).message, rows: batch.length }, 'audit write failed; will retry');
      })
      .finally(() => {
        end();
        this.flushing = null;
        pending.set(this.buffer.length);
      });
    await this.flushing;
    if (this.buffer.length) this.schedule(this.failuresInARow ? Math.min(5000, 100 * 2 ** this.failuresInARow) : 0);
  }

  /** Stores the rows, isolating refused ones; rejects only when the database cannot be reached. */
  private async writeBatch(rows: AuditRecord[]): Promise<void> {
    try {
      await this.insert(rows);
      return;
    } catch (err) {
      if (!(await this.databaseAnswers())) throw err;
      if (rows.length > 1) {
        const half = Math.ceil(rows.length / 2);
        await this.writeBatch(rows.slice(0, half));
        await this.writeBatch(rows.slice(half));
        return;
      }
      const [row] = rows;
      try {
        await this.insert([minimalRecord(row)]);
        failures.inc();
        getLogger().warn({ request_id: row.requestId, err: (err as Error).message }, 'audit row refused; written in its minimal form');
      } catch (again) {
        if (!(await this.databaseAnswers())) throw again;
        setAside.inc();
        getLogger().error(
          { audit: minimalRecord(row), err: (again as Error).message },
          'audit row refused by the database even in its minimal form; set aside in this log',
        );
      }
    }
  }

  private async insert(rows: AuditRecord[]): Promise<void> {
    await this.events.insertMany(rows);
    written.inc(rows.length);
  }

  private databaseAnswers(): Promise<boolean> {
    return this.events.answers();
  }

  /** Runs before any module closes its connections (the database among them). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** Catches rows recorded by requests that finished while the HTTP server was closing. */
  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  private async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (let i = 0; i < 20 && (this.buffer.length || this.flushing); i++) await this.flush();
    if (this.buffer.length) getLogger().error({ rows: this.buffer.length }, 'audit rows not written at shutdown');
  }
}
