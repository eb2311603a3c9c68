import { trace } from '@opentelemetry/api';
import { extractTraceContext, injectTraceHeaders, otlpTracesUrl, startTracing, stopTracing, withSpan } from './tracing';

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

  it('ok/the W3C propagator carries the active span to a callee and back (after a restart too)', async () => {
    for (const round of [1, 2]) {
      startTracing(`unit-${round}`, '');
      const { sent, traceId } = await withSpan('caller', {}, async (span) => ({
        sent: injectTraceHeaders(),
        traceId: span.spanContext().traceId,
      }));
      expect(sent.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const childTrace = await withSpan('callee', { parent: extractTraceContext(sent) }, async (span) => span.spanContext().traceId);
      expect(childTrace).toBe(traceId);
      await stopTracing();
    }
  });
});
