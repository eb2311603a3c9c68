import { InventoryHealthCheck, type ProbeOutcome } from '@certctl/contracts';
import { HealthProbeService, mapBounded } from './health-probe.service';

const config = {
  CERTCTL_HEALTH_CHECK_BATCH_SIZE: 2,
  CERTCTL_HEALTH_CHECK_CONCURRENCY: 2,
  CERTCTL_HEALTH_CHECK_RETENTION_DAYS: 30,
  CERTCTL_HEALTH_CHECK_PRUNE_BATCH_SIZE: 100,
};
const due = (id: string) => ({ id, host: '127.0.0.1', port: 443, sni: null, timeout_ms: 500 });
const outcome: ProbeOutcome = {
  checked_at: '2026-12-05T04:00:00.000Z',
  ok: true,
  latency_ms: 2,
  served_fingerprint: 'a'.repeat(64),
  served_not_after: null,
  error: null,
};

describe('HealthProbeService', () => {
  it('ok/mapBounded never runs more than the limit at once and keeps the order', async () => {
    let running = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('ok/claims due checks in rounds until a short batch, probes each with its SNI and timeout, and records them', async () => {
    const claims = [[due('hc-1'), due('hc-2')], [due('hc-3')]];
    const request = jest.fn(async (contract: { subject: string }, payload: { results?: unknown[] }) => {
      if (contract === InventoryHealthCheck.claimDue) return { checks: claims.shift() ?? [] };
      return { recorded: payload.results!.length, transitions: 1 };
    });
    const probe = jest.fn(async () => outcome);
    const service = new HealthProbeService({ request } as never, config as never, probe);
    expect(await service.runDue()).toEqual({ probed: 3, transitions: 2 });
    expect(probe).toHaveBeenCalledWith({ host: '127.0.0.1', port: 443, sni: null, timeoutMs: 500 });
    const recorded = request.mock.calls
      .filter(([contract]) => contract === InventoryHealthCheck.record)
      .map(([, payload]) => payload.results);
    expect(recorded).toEqual([
      [
        { check_id: 'hc-1', ...outcome },
        { check_id: 'hc-2', ...outcome },
      ],
      [{ check_id: 'hc-3', ...outcome }],
    ]);
    expect(claims).toEqual([]); // the short second batch ended the run: no third claim
  });

  it('ok/retention deletes in batches until one is short, older than the retention only', async () => {
    const deleted = [100, 100, 7];
    const request = jest.fn(async () => ({ deleted: deleted.shift() }));
    const service = new HealthProbeService({ request } as never, config as never, jest.fn());
    expect(await service.prune()).toEqual({ deleted: 207 });
    const [, first] = request.mock.calls[0] as unknown as [unknown, { before: string }];
    const before = new Date(first.before);
    expect(Date.now() - before.getTime()).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000 - 1000);
    expect(request).toHaveBeenCalledTimes(3);
  });
});
