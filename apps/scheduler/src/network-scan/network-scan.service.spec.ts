import type { SchedulerConfig } from '../config';
import { NetworkScanService, eachBounded } from './network-scan.service';

const target = {
  id: 'nst-1',
  name: 'lab',
  cidrs: ['192.168.7.0/24'],
  ports: [443],
  interval_seconds: 3600,
  timeout_ms: 200,
  concurrency: 4,
  enabled: true,
  last_run_at: null,
  next_run_at: new Date().toISOString(),
  last_result: null,
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
};

describe('network scan loop', () => {
  it('rejects/a target outside the allow-list at run time: no handshake, the refusal recorded on the target', async () => {
    const calls: { subject: string; payload: unknown }[] = [];
    const rpc = {
      request: async (c: { subject: string }, payload: unknown) => (calls.push({ subject: c.subject, payload }), { received: 0, new: 0 }),
    };
    const service = new NetworkScanService(rpc as never, { CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS: '127.0.0.0/8' } as SchedulerConfig);
    expect(await service.scan(target)).toBe(0);
    expect(calls).toEqual([
      {
        subject: 'certctl.v1.inventory.network-scan-target.record',
        payload: {
          id: 'nst-1',
          findings: [],
          result: expect.objectContaining({ addresses: 0, refused: expect.stringContaining('192.168.7.0/24 is not inside') }),
        },
      },
    ]);
  });

  it('ok/runs every item with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await eachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(item);
      inFlight--;
    });
    expect({ most, done: done.sort() }).toEqual({ most: 3, done: [1, 2, 3, 4, 5, 6, 7] });
  });
});
