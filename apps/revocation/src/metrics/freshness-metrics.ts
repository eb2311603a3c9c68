import { Inject, Injectable, Optional } from '@nestjs/common';
import { registerOnce, registry } from '@certctl/observability';
import { CLOCK, type Clock, systemClock } from '@certctl/platform';
import { Gauge } from 'prom-client';
import { type CrlTimes, CrlRepository } from '../crl/crl.repository';
import { OcspResponderRepository } from '../ocsp/ocsp-responder.repository';

/** The reads the freshness gauges make at each scrape (the CRL and OCSP responder repositories). */
export interface FreshnessSource {
  latestCrlTimes(): PromiseLike<CrlTimes[]>;
  responderExpiries(): PromiseLike<{ issuerId: string; notAfter: Date }[]>;
}

const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** Registers the freshness gauges when the revocation app starts. */
@Injectable()
export class FreshnessMetrics {
  constructor(crls: CrlRepository, responders: OcspResponderRepository, @Optional() @Inject(CLOCK) clock: Clock = systemClock) {
    registerFreshnessMetrics(
      { latestCrlTimes: () => crls.latestTimesPerIssuer(), responderExpiries: () => responders.listExpiries() },
      clock,
    );
  }
}

/**
 * How fresh the published revocation information is, read from the database when /metrics
 * is scraped (every replica reports the same rows): the latest CRL's thisUpdate and
 * nextUpdate per issuer, and the notAfter of each issuer's OCSP responder certificate.
 * A failed read leaves the previous values.
 */
export function registerFreshnessMetrics(source: FreshnessSource, clock: Clock = systemClock): void {
  // One CRL query serves both CRL gauges of a scrape (prom-client collects them concurrently).
  let pending: { at: number; rows: Promise<CrlTimes[] | undefined> } | undefined;
  const latestCrls = (): Promise<CrlTimes[] | undefined> => {
    if (!pending || clock.nowMs() - pending.at > 1000) {
      pending = {
        at: clock.nowMs(),
        rows: Promise.resolve(source.latestCrlTimes()).catch(() => undefined),
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
            for (const row of rows) {
              const at = row[field];
              if (at) this.set({ issuer_id: row.issuerId }, seconds(at));
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
          const rows = await Promise.resolve(source.responderExpiries()).catch(() => undefined);
          if (!rows) return;
          this.reset();
          for (const row of rows) this.set({ issuer_id: row.issuerId }, seconds(row.notAfter));
        },
      }),
  );
}
