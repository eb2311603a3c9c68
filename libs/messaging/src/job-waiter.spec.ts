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

  describe('woken by events', () => {
    /** A bus whose job-get answers the statuses given, and whose events the test fires by subject. */
    function busWithEvents(statuses: string[]) {
      const rpc = busAnswering(statuses);
      const handlers = new Map<string, (payload: { job_id: string }) => void>();
      rpc.onEvent.mockImplementation(((event: { subject: string }, handler: (payload: { job_id: string }) => void) => {
        handlers.set(event.subject, handler);
        return () => handlers.delete(event.subject);
      }) as never);
      const fire = (subject: string, jobId: string) => handlers.get(subject)?.({ job_id: jobId });
      return { rpc, fire };
    }
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    it('ok/the job’s certificate-issued event answers it completed without reading the job again', async () => {
      const { rpc, fire } = busWithEvents(['running']);
      const waiter = new JobWaiter(rpc as never);
      waiter.start();
      const started = Date.now();
      const waiting = waiter.wait('job-1', 5000);
      await settle();
      fire('certctl.v1.events.certificate.issued', 'job-2'); // another job's: no effect
      await settle();
      fire('certctl.v1.events.certificate.issued', 'job-1');
      await expect(waiting).resolves.toMatchObject({ id: 'job-1', status: 'completed' });
      expect(rpc.request).toHaveBeenCalledTimes(1);
      expect(Date.now() - started).toBeLessThan(400); // not the 500 ms poll
      waiter.stop();
    });

    it('ok/a job just queued is not read before the wait: its certificate-issued event answers it completed with no read at all', async () => {
      const { rpc, fire } = busWithEvents(['running']);
      const waiter = new JobWaiter(rpc as never);
      waiter.start();
      const waiting = waiter.wait('job-1', 5000, undefined, { queued: true });
      await settle();
      fire('certctl.v1.events.certificate.issued', 'job-1');
      await expect(waiting).resolves.toEqual({ id: 'job-1', status: 'completed' });
      expect(rpc.request).not.toHaveBeenCalled();
      waiter.stop();
    });

    it('ok/a certificate-issued event heard before the wait began ends it at once, without a read', async () => {
      const { rpc, fire } = busWithEvents(['running']);
      const waiter = new JobWaiter(rpc as never);
      waiter.start();
      fire('certctl.v1.events.certificate.issued', 'job-1');
      await expect(waiter.wait('job-1', 5000)).resolves.toMatchObject({ id: 'job-1', status: 'completed' });
      expect(rpc.request).not.toHaveBeenCalled();
      waiter.stop();
    });

    it('ok/a job-failed event heard before a queued wait began makes it read the job (no waiting) and answer what it says', async () => {
      const { rpc, fire } = busWithEvents(['failed']);
      const waiter = new JobWaiter(rpc as never);
      waiter.start();
      fire('certctl.v1.events.job.failed', 'job-1');
      await expect(waiter.wait('job-1', 5000, undefined, { queued: true })).resolves.toMatchObject({ status: 'failed' });
      expect(rpc.request).toHaveBeenCalledTimes(1);
      waiter.stop();
    });

    it('ok/a job-failed event reads the job again and answers what it says', async () => {
      const { rpc, fire } = busWithEvents(['running', 'failed']);
      const waiter = new JobWaiter(rpc as never);
      waiter.start();
      const waiting = waiter.wait('job-1', 5000);
      await settle();
      fire('certctl.v1.events.job.failed', 'job-1');
      await expect(waiting).resolves.toMatchObject({ status: 'failed' });
      expect(rpc.request).toHaveBeenCalledTimes(2);
      waiter.stop();
    });
  });
});
