import { context, propagation, trace, type Context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

let provider: NodeTracerProvider | undefined;

/** The OTLP/HTTP traces URL for a collector base URL; none when it is unset, empty or blank. */
export function otlpTracesUrl(endpoint: string | undefined): string | undefined {
  const base = endpoint?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * Starts tracing for this process: a tracer provider with the async-local-storage context
 * manager and the W3C trace-context and baggage propagators. Spans (and so trace ids for
 * logs) always exist; they are exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT
 * is set to a non-empty value. Only the tracing SDK is loaded (not the all-signals Node SDK,
 * whose metrics, logs and gRPC exporters cost each service about 40 MB it never used).
 */
export function startTracing(serviceName: string, endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT): void {
  if (provider) return;
  const url = otlpTracesUrl(endpoint);
  const spanProcessors: SpanProcessor[] = url ? [new BatchSpanProcessor(new OTLPTraceExporter({ url }))] : [new NoopSpanProcessor()]; // a registered provider still makes real trace ids for logs and propagation
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `certctl-${serviceName}` }),
    spanProcessors,
  });
  provider.register();
}

export async function stopTracing(): Promise<void> {
  if (!provider) return;
  await provider.shutdown().catch(() => undefined);
  provider = undefined;
  // Let a later startTracing register again (the API keeps the first global it was given).
  trace.disable();
  context.disable();
  propagation.disable();
}

const tracer = () => trace.getTracer('certctl');

/** W3C trace context of the active span as carrier headers (traceparent, tracestate). */
export function injectTraceHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export function extractTraceContext(carrier: Record<string, string | undefined>): Context {
  return propagation.extract(context.active(), carrier);
}

/** Runs fn inside a new span (child of parent or of the active context), recording errors. */
export async function withSpan<T>(
  name: string,
  opts: { kind?: SpanKind; parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const sc = span.spanContext();
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

export { SpanKind };
