import { breakerEnvSchema } from '@certctl/config';
import { AppError } from '@certctl/contracts';
import { counter, registerOnce, registry } from '@certctl/observability';
import { Gauge } from 'prom-client';

/** When a circuit opens and how long it stays open. `failures` 0 turns breaking off. */
export interface BreakerOptions {
  /** Consecutive failures (for the bus: requests not answered in time) that open the circuit. */
  failures: number;
  /** How long the circuit stays open the first time; each failed probe doubles it up to `maxOpenMs`. */
  openMs: number;
  maxOpenMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';
const STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

const stateGauge = registerOnce(
  'certctl_circuit_state',
  () =>
    new Gauge({
      name: 'certctl_circuit_state',
      help: 'State of the circuit towards a service (over the bus by its name, over HTTP as http:<name>): 0 closed (calls pass), 1 half-open (one probe passes), 2 open (calls fail at once)',
      labelNames: ['circuit'],
      registers: [registry],
    }),
);
const opened = counter('certctl_circuit_opened_total', 'Times a circuit towards a service opened after consecutive failures', ['circuit']);
const rejected = counter('certctl_circuit_rejected_total', 'Calls failed at once because the circuit towards their service was open', [
  'circuit',
]);

/**
 * A circuit breaker for calls to one dependency. Closed, every call passes; after `failures`
 * consecutive failures it opens and calls fail at once (an AppError `service_unavailable`,
 * retryable) instead of each waiting out its own timeout against a dependency that does not
 * answer. When the open period ends, one call goes through as a probe (half-open): an answer
 * closes the circuit, a failure opens it again for twice as long (up to `maxOpenMs`). Any
 * answer counts as success, an error answer included: the dependency is there.
 */
export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private consecutive = 0;
  private openUntil = 0;
  private openFor: number;
  private probing = false;

  /** The `circuit` label of its metrics (default: the service's name). */
  private readonly label: string;
  private readonly now: () => number;

  constructor(
    /** The service the calls go to, as errors name it. */
    readonly name: string,
    private readonly options: BreakerOptions,
    o: { label?: string; now?: () => number } = {},
  ) {
    this.label = o.label ?? name;
    this.now = o.now ?? Date.now;
    this.openFor = options.openMs;
    stateGauge.set({ circuit: this.label }, 0);
  }

  get current(): CircuitState {
    return this.state;
  }

  /**
   * Runs `call` through the circuit. `isFailure` says which errors count against the dependency
   * (the others, and every result, count as an answer).
   */
  async run<T>(call: () => Promise<T>, isFailure: (err: unknown) => boolean): Promise<T> {
    if (this.options.failures <= 0) return call();
    const probe = this.admit();
    try {
      const result = await call();
      this.answered(probe);
      return result;
    } catch (err) {
      if (isFailure(err)) this.failed(probe);
      else this.answered(probe);
      throw err;
    }
  }

  /** Whether a call may go now (true: it is the half-open probe); throws when the circuit is open. */
  private admit(): boolean {
    if (this.state === 'closed') return false;
    const now = this.now();
    if (this.state === 'open' && now >= this.openUntil) this.set('half_open');
    if (this.state === 'half_open' && !this.probing) {
      this.probing = true;
      return true;
    }
    rejected.inc({ circuit: this.label });
    const retryIn = Math.max(1, Math.ceil((this.openUntil - now) / 1000));
    throw new AppError(
      'service_unavailable',
      `the ${this.name} service did not answer ${this.options.failures} calls in a row; calls to it fail at once for now (next try within ${retryIn} s)`,
      { retryable: true },
    );
  }

  private answered(probe: boolean): void {
    this.consecutive = 0;
    if (probe) this.probing = false;
    if (this.state !== 'closed') {
      this.openFor = this.options.openMs;
      this.set('closed');
    }
  }

  private failed(probe: boolean): void {
    if (probe) {
      this.probing = false;
      this.openFor = Math.min(this.openFor * 2, this.options.maxOpenMs);
      this.open();
      return;
    }
    this.consecutive++;
    if (this.state === 'closed' && this.consecutive >= this.options.failures) this.open();
  }

  private open(): void {
    this.openUntil = this.now() + this.openFor;
    opened.inc({ circuit: this.label });
    this.set('open');
  }

  private set(state: CircuitState): void {
    this.state = state;
    stateGauge.set({ circuit: this.label }, STATE_VALUE[state]);
  }
}

/**
 * Breaker settings from the environment (breakerEnvSchema: CERTCTL_BREAKER_FAILURES,
 * CERTCTL_BREAKER_OPEN_MS, CERTCTL_BREAKER_MAX_OPEN_MS; each service validated them at start).
 */
export function breakerFromEnv(env: Record<string, unknown> = process.env): BreakerOptions {
  const e = breakerEnvSchema.parse(env);
  return {
    failures: e.CERTCTL_BREAKER_FAILURES,
    openMs: e.CERTCTL_BREAKER_OPEN_MS,
    maxOpenMs: Math.max(e.CERTCTL_BREAKER_OPEN_MS, e.CERTCTL_BREAKER_MAX_OPEN_MS),
  };
}
