import { Inject, Injectable } from '@nestjs/common';
import type { BusService, PlatformReadinessDto, ServiceReadinessDto } from '@certctl/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** A service's /ready answer: longer than its own 2 s dependency timeout, so a slow check still reports. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * Reads one /ready answer ({ status, checks: { name: "ok" | "unavailable: …" } }) into the
 * public shape: the check names and ok/unavailable only, never the error text (it names
 * internal addresses).
 */
export function readinessOf(
  service: BusService,
  answer: { httpStatus: number; body: unknown } | { error: string },
  latencyMs: number,
): ServiceReadinessDto {
  const latency_ms = Math.max(0, Math.round(latencyMs));
  if ('error' in answer) return { service, ready: false, status: 'unreachable', checks: {}, latency_ms, detail: answer.error };
  const body = (answer.body ?? {}) as { status?: unknown; checks?: Record<string, unknown> };
  const checks: Record<string, 'ok' | 'unavailable'> = {};
  for (const [name, state] of Object.entries(body.checks ?? {})) checks[name] = state === 'ok' ? 'ok' : 'unavailable';
  const ready = answer.httpStatus === 200 && body.status === 'ready';
  const status = ready ? 'ready' : body.status === 'shutting_down' ? 'shutting_down' : 'not_ready';
  const failing = Object.keys(checks).filter((name) => checks[name] !== 'ok');
  const detail = ready ? null : failing.length ? `${failing.join(', ')} unavailable` : `HTTP ${answer.httpStatus} from /ready`;
  return { service, ready, status, checks, latency_ms, detail };
}

/** The seven services' readiness, asked of each one's /ready in parallel. */
@Injectable()
export class ReadinessService {
  private readonly targets: [BusService, string][];

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.targets = [
      ['gateway', `http://127.0.0.1:${config.CERTCTL_GATEWAY_PORT}`],
      ['inventory', config.CERTCTL_INVENTORY_URL],
      ['issuance', config.CERTCTL_ISSUANCE_URL],
      ['acme', config.CERTCTL_ACME_URL],
      ['revocation', config.CERTCTL_REVOCATION_URL],
      ['scheduler', config.CERTCTL_SCHEDULER_URL],
      ['notifications', config.CERTCTL_NOTIFICATIONS_URL],
    ];
  }

  async check(): Promise<PlatformReadinessDto> {
    const services = await Promise.all(this.targets.map(([service, base]) => probe(service, base)));
    return { ready: services.every((s) => s.ready), checked_at: new Date().toISOString(), services };
  }
}

async function probe(service: BusService, base: string): Promise<ServiceReadinessDto> {
  const started = performance.now();
  try {
    const res = await fetch(new URL('/ready', base), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'error' });
    const body: unknown = await res.json().catch(() => null);
    return readinessOf(service, { httpStatus: res.status, body }, performance.now() - started);
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return readinessOf(
      service,
      { error: timedOut ? `no answer within ${PROBE_TIMEOUT_MS} ms` : 'no answer (connection failed)' },
      performance.now() - started,
    );
  }
}
