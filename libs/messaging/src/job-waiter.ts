import { Events, type JobDto, Rpc } from '@certctl/contracts';
import type { RpcClient } from './rpc-client';

const FINISHED = ['completed', 'failed', 'cancelled'];
const POLL_MS = 500;

/**
 * Waits for a job to finish (completed, failed or cancelled) for the services that hand work to
 * inventory and answer a client in the same request (ACME finalize, EST and SCEP enrollments):
 * woken by the job's certificate-issued or job-failed event (any replica hears it), checking every
 * 500 ms in case one is missed. The waiter is registered before each check, so an event that lands
 * between the check and the wait still wakes it. The caller must consume both events (its
 * contract's consumers) and call start() once connected.
 */
export class JobWaiter {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly rpc: Pick<RpcClient, 'request' | 'onEvent'>) {}

  start(): void {
    const wake = (event: { job_id?: string }) => {
      for (const waiter of this.waiters.get(event.job_id ?? '') ?? []) waiter();
    };
    this.unsubscribe.push(this.rpc.onEvent(Events.certificateIssued, wake), this.rpc.onEvent(Events.jobFailed, wake));
  }

  stop(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
  }

  /**
   * The job once finished (or once `settled` says so: a caller may stop at a state that only a
   * person can move on, such as awaiting_approval), or as it stands after `ms`.
   */
  async wait(jobId: string, ms: number, settled: (job: JobDto) => boolean = () => false): Promise<JobDto> {
    const deadline = Date.now() + ms;
    for (;;) {
      const set = this.waiters.get(jobId) ?? new Set<() => void>();
      this.waiters.set(jobId, set);
      let timer: NodeJS.Timeout | undefined;
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      set.add(wake);
      try {
        const job = await this.rpc.request(Rpc.inventory.jobGet, { id: jobId });
        if (FINISHED.includes(job.status) || settled(job) || Date.now() >= deadline) return job;
        timer = setTimeout(wake, Math.min(POLL_MS, deadline - Date.now()));
        await woken;
      } finally {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(jobId);
      }
    }
  }
}
