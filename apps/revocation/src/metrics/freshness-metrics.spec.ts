import { registry } from '@certctl/observability';
import { TestClock } from '@certctl/platform';
import { type FreshnessSource, registerFreshnessMetrics } from './freshness-metrics';

describe('revocation freshness metrics', () => {
  const crls = jest.fn();
  const responders = jest.fn();
  const source: FreshnessSource = { latestCrlTimes: crls, responderExpiries: responders };
  const clock = new TestClock();
  registerFreshnessMetrics(source, clock);
  const sample = (text: string, name: string, issuer: string) =>
    new RegExp(`^${name}\\{issuer_id="${issuer}"\\} (\\d+)$`, 'm').exec(text)?.[1];

  it('ok/each scrape reads the latest CRL times and responder expiry per issuer, with one CRL query', async () => {
    crls.mockResolvedValue([
      { issuerId: 'iss-local', thisUpdate: new Date('2026-06-01T00:00:00Z'), nextUpdate: new Date('2026-06-08T00:00:00Z') },
    ]);
    responders.mockResolvedValue([{ issuerId: 'iss-local', notAfter: new Date('2027-01-01T00:00:00Z') }]);
    const text = await registry.metrics();
    expect(sample(text, 'certctl_crl_this_update_timestamp_seconds', 'iss-local')).toBe(String(Date.parse('2026-06-01T00:00:00Z') / 1000));
    expect(sample(text, 'certctl_crl_next_update_timestamp_seconds', 'iss-local')).toBe(String(Date.parse('2026-06-08T00:00:00Z') / 1000));
    expect(sample(text, 'certctl_ocsp_responder_not_after_timestamp_seconds', 'iss-local')).toBe(
      String(Date.parse('2027-01-01T00:00:00Z') / 1000),
    );
    expect(crls).toHaveBeenCalledTimes(1);
  });

  it('fail/an issuer whose CRLs are gone drops out; a failed read keeps the last values', async () => {
    clock.advance(1001); // past the per-scrape sharing window
    crls.mockResolvedValue([]);
    responders.mockRejectedValue(new Error('database down'));
    const text = await registry.metrics();
    expect(sample(text, 'certctl_crl_next_update_timestamp_seconds', 'iss-local')).toBeUndefined();
    expect(sample(text, 'certctl_ocsp_responder_not_after_timestamp_seconds', 'iss-local')).toBe(
      String(Date.parse('2027-01-01T00:00:00Z') / 1000),
    );
  });
});
