import { X509Certificate } from 'node:crypto';
import { registry } from '@certctl/observability';
import { type CreatedCa, createRootCa } from '@certctl/pki';
import { type CaCertificateSource, registerCaExpiryMetric } from './ca-expiry-metrics';

describe('CA certificate expiry metric', () => {
  let root: CreatedCa;
  const findMany = jest.fn();
  const source: CaCertificateSource = { findEnabledCaCertificates: findMany };
  beforeAll(async () => {
    root = await createRootCa({ commonName: 'Metric Root', keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  });
  const sample = (text: string, issuer: string) =>
    new RegExp(`^certctl_ca_certificate_not_after_timestamp_seconds\\{issuer_id="${issuer}"\\} (\\d+)$`, 'm').exec(text)?.[1];

  it('ok/each enabled CA issuer reports the notAfter of its certificate at scrape time', async () => {
    registerCaExpiryMetric(source);
    findMany.mockResolvedValue([{ id: 'iss-root', caCertificatePem: root.certificatePem }]);
    const text = await registry.metrics();
    const expected = Math.floor(Date.parse(new X509Certificate(root.certificatePem).validTo) / 1000);
    expect(sample(text, 'iss-root')).toBe(String(expected));
    expect(expected * 1000 - Date.now()).toBeGreaterThan(29 * 86400_000);
    expect(findMany).toHaveBeenCalled();
  });

  it('fail/an unparsable PEM is left out, a removed issuer drops out, a failed read keeps the last values', async () => {
    findMany.mockResolvedValue([{ id: 'iss-broken', caCertificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }]);
    let text = await registry.metrics();
    expect(sample(text, 'iss-broken')).toBeUndefined();
    expect(sample(text, 'iss-root')).toBeUndefined();
    findMany.mockResolvedValue([{ id: 'iss-root', caCertificatePem: root.certificatePem }]);
    await registry.metrics();
    findMany.mockRejectedValue(new Error('database down'));
    text = await registry.metrics();
    expect(sample(text, 'iss-root')).toBeDefined();
  });
});
