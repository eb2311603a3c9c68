import { trace } from '@opentelemetry/api';
import { otlpTracesUrl, startTracing, stopTracing, withSpan } from './tracing';

describe('tracing setup', () => {
  afterEach(() => stopTracing());

  it('ok/an unset, empty or blank endpoint exports nothing', () => {
    expect(otlpTracesUrl(undefined)).toBeUndefined();
    expect(otlpTracesUrl('')).toBeUndefined();
    expect(otlpTracesUrl('   ')).toBeUndefined();
  });

  it('ok/a collector base URL gets the OTLP/HTTP traces path', () => {
    expect(otlpTracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
  });

  it('ok/starting with an empty endpoint does not throw, and spans still get trace ids', async () => {
    expect(() => startTracing('unit', '')).not.toThrow();
    const traceId = await withSpan('probe', {}, async (span) => span.spanContext().traceId);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toMatch(/^0+$/);
    expect(trace.getTracerProvider()).toBeDefined();
  });
});
