import type { JobDto } from '@certctl/contracts';
import { JobWaiter } from './job-waiter';

/** A bus whose job-get answers the statuses given, one per call (the last one repeats); no events. */
function busAnswering(statuses: string[]) {
  let calls = 0;
  const rpc = {
    request: jest.fn(async () => ({ id: 'job-1', status: statuses[Math.min(calls++, statuses.length - 1)] }) as unknown as JobDto),
    onEvent: jest.fn(() => () => undefined),
  };
  return rpc;
}

describe('JobWaiter', () => {
  it('ok/returns a finished job at once', async () => {
    const rpc = busAnswering(['completed']);
    const job = await new JobWaiter(rpc as never).wait('job-1', 5000);
    expect(job.status).toBe('completed');
    expect(rpc.request).toHaveBeenCalledTimes(1);
  });

  it('ok/stops at a state the caller settles on (awaiting_approval) instead of waiting out the bound', async () => {
    const rpc = busAnswering(['awaiting_approval']);
    const started = Date.now();
    const job = await new JobWaiter(rpc as never).wait('job-1', 5000, (j) => j.status === 'awaiting_approval');
    expect(job.status).toBe('awaiting_approval');
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('ok/without a settle rule, a job awaiting approval is returned as it stands once the bound has passed', async () => {
    const rpc = busAnswering(['awaiting_approval']);
    const started = Date.now();
    const job = await new JobWaiter(rpc as never).wait('job-1', 700);
    expect(job.status).toBe('awaiting_approval');
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(rpc.request.mock.calls.length).toBeGreaterThanOrEqual(2);
  });
});
