import { X509Certificate } from 'node:crypto';
import { registerOnce, registry } from '@certctl/observability';
import { Gauge } from 'prom-client';

/** The read the gauge makes at each scrape (IssuerRepository fits). */
export interface CaCertificateSource {
  findEnabledCaCertificates(): PromiseLike<{ id: string; caCertificatePem: string | null }[]>;
}

/**
 * notAfter of every enabled issuer's CA certificate (local roots and intermediates, imported
 * CAs), read when /metrics is scraped; parsed certificates are remembered by their PEM. A
 * failed read leaves the previous values; a PEM that does not parse is left out.
 */
export function registerCaExpiryMetric(source: CaCertificateSource): Gauge<'issuer_id'> {
  const parsed = new Map<string, number | null>();
  const notAfter = (pem: string): number | null => {
    let s = parsed.get(pem);
    if (s === undefined) {
      try {
        s = Math.floor(Date.parse(new X509Certificate(pem).validTo) / 1000);
      } catch {
        s = null;
      }
      if (parsed.size > 10_000) parsed.clear();
      parsed.set(pem, s);
    }
    return s;
  };
  return registerOnce(
    'certctl_ca_certificate_not_after_timestamp_seconds',
    () =>
      new Gauge({
        name: 'certctl_ca_certificate_not_after_timestamp_seconds',
        help: 'notAfter of the CA certificate of an enabled issuer (Unix seconds)',
        labelNames: ['issuer_id'] as const,
        registers: [registry],
        async collect() {
          const rows = await Promise.resolve(source.findEnabledCaCertificates()).catch(() => undefined);
          if (!rows) return;
          this.reset();
          for (const r of rows) {
            const s = r.caCertificatePem ? notAfter(r.caCertificatePem) : null;
            if (s !== null) this.set({ issuer_id: r.id }, s);
          }
        },
      }),
  );
}
