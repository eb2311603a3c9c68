import { Counter, Histogram, Registry, collectDefaultMetrics, Gauge } from 'prom-client';

/**
 * One registry per process; every metric name starts with certctl_. Only metrics every
 * service has are registered here; a library's own metrics (queues: libs/queue) are
 * registered when a process first uses it, so /metrics lists what the service does.
 */
export const registry = new Registry();
let started = false;

export function startDefaultMetrics(service: string): void {
  if (started) return;
  started = true;
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'certctl_' });
}

/** Latency buckets (seconds) of the platform's duration histograms. */
export const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpDuration = new Histogram({
  name: 'certctl_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: durationBuckets,
  registers: [registry],
});

/** Requests refused because their signed principal was missing, expired or did not match (libs/messaging). */
export const principalRefusals = new Counter({
  name: 'certctl_nats_principal_refusals_total',
  help: 'NATS requests refused for a missing or invalid signed principal, by subject and error code',
  labelNames: ['subject', 'code'] as const,
  registers: [registry],
});

export const natsHandlerDuration = new Histogram({
  name: 'certctl_nats_handler_duration_seconds',
  help: 'Duration of NATS request handlers by subject and result',
  labelNames: ['subject', 'result'] as const,
  buckets: durationBuckets,
  registers: [registry],
});

export const natsClientDuration = new Histogram({
  name: 'certctl_nats_request_duration_seconds',
  help: 'Duration of outgoing NATS requests by subject and result',
  labelNames: ['subject', 'result'] as const,
  buckets: durationBuckets,
  registers: [registry],
});

export const readinessGauge = new Gauge({
  name: 'certctl_ready',
  help: '1 when every dependency of this service answered its readiness check',
  registers: [registry],
});

/** The metric of that name in the process registry, registered by make() on first use. */
export function registerOnce<M>(name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
