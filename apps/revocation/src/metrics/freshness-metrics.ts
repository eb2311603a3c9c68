import { registerOnce, registry } from '@certctl/observability';
import { Gauge } from 'prom-client';

/** The reads the freshness gauges make at each scrape (PrismaService fits). */
export interface FreshnessSource {
  crl: {
    groupBy(args: { by: ['issuerId']; _max: { thisUpdate: true; nextUpdate: true } }): PromiseLike<CrlRow[]>;
  };
  ocspResponder: {
    findMany(args: { select: { issuerId: true; notAfter: true } }): PromiseLike<{ issuerId: string; notAfter: Date }[]>;
  };
}

type CrlRow = { issuerId: string; _max: { thisUpdate: Date | null; nextUpdate: Date | null } };
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * How fresh the published revocation information is, read from the database when /metrics
 * is scraped (every replica reports the same rows): the latest CRL's thisUpdate and
 * nextUpdate per issuer, and the notAfter of each issuer's OCSP responder certificate.
 * A failed read leaves the previous values.
 */
export function registerFreshnessMetrics(db: FreshnessSource): void {
  // One CRL query serves both CRL gauges of a scrape (prom-client collects them concurrently).
  let pending: { at: number; rows: Promise<CrlRow[] | undefined> } | undefined;
  const latestCrls = (): Promise<CrlRow[] | undefined> => {
    if (!pending || Date.now() - pending.at > 1000) {
      pending = {
        at: Date.now(),
        rows: Promise.resolve(db.crl.groupBy({ by: ['issuerId'], _max: { thisUpdate: true, nextUpdate: true } })).catch(() => undefined),
      };
    }
    return pending.rows;
  };
  const crlGauge = (name: string, help: string, field: 'thisUpdate' | 'nextUpdate') =>
    registerOnce(
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames: ['issuer_id'] as const,
          registers: [registry],
          async collect() {
            const rows = await latestCrls();
            if (!rows) return;
            this.reset();
            for (const r of rows) {
              const at = r._max[field];
              if (at) this.set({ issuer_id: r.issuerId }, seconds(at));
            }
          },
        }),
    );
  crlGauge('certctl_crl_next_update_timestamp_seconds', 'nextUpdate of the latest CRL of an issuer (Unix seconds)', 'nextUpdate');
  crlGauge('certctl_crl_this_update_timestamp_seconds', 'thisUpdate of the latest CRL of an issuer (Unix seconds)', 'thisUpdate');
  registerOnce(
    'certctl_ocsp_responder_not_after_timestamp_seconds',
    () =>
      new Gauge({
        name: 'certctl_ocsp_responder_not_after_timestamp_seconds',
        help: 'notAfter of the delegated OCSP responder certificate of an issuer (Unix seconds)',
        labelNames: ['issuer_id'] as const,
        registers: [registry],
        async collect() {
          const rows = await Promise.resolve(db.ocspResponder.findMany({ select: { issuerId: true, notAfter: true } })).catch(
            () => undefined,
          );
          if (!rows) return;
          this.reset();
          for (const r of rows) this.set({ issuer_id: r.issuerId }, seconds(r.notAfter));
        },
      }),
  );
}
