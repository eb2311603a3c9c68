import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PrismaService, newId } from '@certctl/database';
import { getLogger, registry } from '@certctl/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

export interface AuditRecord {
  occurredAt: Date;
  actor: string;
  role: string | null;
  action: string;
  method: string;
  path: string;
  resourceType: string | null;
  resourceId: string | null;
  status: number;
  bodySha256: string | null;
  latencyMs: number;
  requestId: string;
  sourceIp: string | null;
  details: Record<string, unknown>;
}

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
 * A failed batch is retried; the buffer is flushed on shutdown before the database closes.
 */
@Injectable()
export class AuditWriter implements BeforeApplicationShutdown, OnApplicationShutdown {
  private buffer: AuditRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private failuresInARow = 0;

  constructor(
    private readonly db: PrismaService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  record(r: AuditRecord): void {
    if (this.buffer.length >= MAX_BUFFER) {
      dropped.inc();
      getLogger().error({ action: r.action, actor: r.actor, path: r.path }, 'audit buffer full; row dropped');
      return;
    }
    this.buffer.push(r);
    pending.set(this.buffer.length);
    this.schedule(this.buffer.length >= BATCH ? 0 : this.config.CERTCTL_AUDIT_FLUSH_MS);
  }

  private schedule(ms: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
  }

  /** Writes everything buffered so far; resolves when it is stored (or has failed once). */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (!this.buffer.length) return;
    const batch = this.buffer.splice(0, BATCH);
    const end = flushSeconds.startTimer();
    this.flushing = this.db.auditEvent
      .createMany({ data: batch.map((r) => ({ id: newId('audit'), ...r, details: r.details as object })) })
      .then(() => {
        written.inc(batch.length);
        this.failuresInARow = 0;
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
