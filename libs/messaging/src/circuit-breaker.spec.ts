import { AppError } from '@certctl/contracts';
import { registry } from '@certctl/observability';
import { CircuitBreaker, breakerFromEnv } from './circuit-breaker';

class Timeout extends Error {}
const isTimeout = (err: unknown) => err instanceof Timeout;
const fail = () => Promise.reject(new Timeout('no answer'));
const answer = () => Promise.resolve('answer');

async function metric(name: string, circuit: string): Promise<number | undefined> {
  const found = (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.circuit === circuit);
  return found?.value;
}

describe('CircuitBreaker', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('opens after the configured consecutive failures and then fails at once with a retryable service_unavailable', async () => {
    const breaker = new CircuitBreaker('inventory', { failures: 3, openMs: 2000, maxOpenMs: 30000 }, { now: clock });
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail, isTimeout)).rejects.toBeInstanceOf(Timeout);
    expect(breaker.current).toBe('open');
    const call = jest.fn(answer);
    const refused = await breaker.run(call, isTimeout).catch((err: unknown) => err);
    expect(call).not.toHaveBeenCalled();
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'service_unavailable', retryable: true });
    expect((refused as AppError).message).toMatch(/inventory service did not answer 3 calls in a row.*within 2 s/);
    expect(await metric('certctl_circuit_state', 'inventory')).toBe(2);
    expect(await metric('certctl_circuit_rejected_total', 'inventory')).toBe(1);
    expect(await metric('certctl_circuit_opened_total', 'inventory')).toBe(1);
  });

  it('counts only consecutive failures: an answer in between, an error answer included, resets the count', async () => {
    const breaker = new CircuitBreaker('issuance', { failures: 3, openMs: 2000, maxOpenMs: 30000 }, { now: clock });
    await expect(breaker.run(fail, isTimeout)).rejects.toThrow();
    await expect(breaker.run(fail, isTimeout)).rejects.toThrow();
    await expect(breaker.run(() => Promise.reject(AppError.notFound('certificate', 'x')), isTimeout)).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(breaker.run(fail, isTimeout)).rejects.toThrow();
    await expect(breaker.run(fail, isTimeout)).rejects.toThrow();
    expect(breaker.current).toBe('closed');
    await expect(breaker.run(answer, isTimeout)).resolves.toBe('answer');
  });

  it('lets one probe through after the open period: an answer closes the circuit', async () => {
    const breaker = new CircuitBreaker('acme', { failures: 2, openMs: 2000, maxOpenMs: 30000 }, { now: clock });
    for (let i = 0; i < 2; i++) await expect(breaker.run(fail, isTimeout)).rejects.toThrow();
    now += 1999;
    await expect(breaker.run(answer, isTimeout)).rejects.toMatchObject({ code: 'service_unavailable' });
    now += 1;
    let release!: (value: string) => void;
    const probe = breaker.run(() => new Promise<string>((resolve) => (release = resolve)), isTimeout);
    expect(breaker.current).toBe('half_open');
    // While the probe is out, every other call still fails at once.
    await expect(breaker.run(answer, isTimeout)).rejects.toMatchObject({ code: 'service_unavailable' });
    release('probe answered');
    await expect(probe).resolves.toBe('probe answered');
    expect(breaker.current).toBe('closed');
    expect(await metric('certctl_circuit_state', 'acme')).toBe(0);
    await expect(breaker.run(answer, isTimeout)).resolves.toBe('answer');
  });

  it('opens again for twice as long when the probe fails, up to the maximum', async () => {
    const breaker = new CircuitBreaker('revocation', { failures: 1, openMs: 1000, maxOpenMs: 3000 }, { now: clock });
    await expect(breaker.run(fail, isTimeout)).rejects.toBeInstanceOf(Timeout);
    for (const openFor of [1000, 2000, 3000]) {
      now += openFor - 1;
      await expect(breaker.run(answer, isTimeout)).rejects.toMatchObject({ code: 'service_unavailable' });
      now += 1;
      if (openFor < 3000) await expect(breaker.run(fail, isTimeout)).rejects.toBeInstanceOf(Timeout);
    }
    await expect(breaker.run(answer, isTimeout)).resolves.toBe('answer');
    expect(breaker.current).toBe('closed');
  });

  it('never breaks with failures 0', async () => {
    const breaker = new CircuitBreaker('scheduler', { failures: 0, openMs: 1000, maxOpenMs: 1000 }, { now: clock });
    for (let i = 0; i < 20; i++) await expect(breaker.run(fail, isTimeout)).rejects.toBeInstanceOf(Timeout);
    await expect(breaker.run(answer, isTimeout)).resolves.toBe('answer');
  });

  it('reads its settings from the environment with the services’ own schema: defaults when unset, a bad value refused', () => {
    expect(breakerFromEnv({})).toEqual({ failures: 5, openMs: 2000, maxOpenMs: 10000 });
    expect(breakerFromEnv({ CERTCTL_BREAKER_FAILURES: '0', CERTCTL_BREAKER_OPEN_MS: '500', CERTCTL_BREAKER_MAX_OPEN_MS: '100' })).toEqual({
      failures: 0,
      openMs: 500,
      maxOpenMs: 500,
    });
    expect(breakerFromEnv({ CERTCTL_BREAKER_FAILURES: '', CERTCTL_BREAKER_OPEN_MS: '' })).toMatchObject({ failures: 5, openMs: 2000 });
    expect(() => breakerFromEnv({ CERTCTL_BREAKER_FAILURES: 'many' })).toThrow(/CERTCTL_BREAKER_FAILURES/);
    expect(() => breakerFromEnv({ CERTCTL_BREAKER_OPEN_MS: '-1' })).toThrow(/CERTCTL_BREAKER_OPEN_MS/);
  });
});
