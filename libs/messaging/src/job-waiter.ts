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
  /** Per job, the waiters to wake: `true` when woken by the job's certificate-issued event. */
  private readonly waiters = new Map<string, Set<(issued: boolean) => void>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly rpc: Pick<RpcClient, 'request' | 'onEvent'>) {}

  start(): void {
    const wake = (issued: boolean) => (event: { job_id?: string }) => {
      for (const waiter of this.waiters.get(event.job_id ?? '') ?? []) waiter(issued);
    };
    this.unsubscribe.push(this.rpc.onEvent(Events.certificateIssued, wake(true)), this.rpc.onEvent(Events.jobFailed, wake(false)));
  }

  stop(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
  }

  /**
   * The job once finished (or once `settled` says so: a caller may stop at a state that only a
   * person can move on, such as awaiting_approval), or as it stands after `ms`. Woken by the job's
   * certificate-issued event, it answers the job as completed without reading it again (inventory
   * publishes that event only in the transaction that completes the job): one round trip less
   * between the signature and the client's answer.
   */
  async wait(jobId: string, ms: number, settled: (job: JobDto) => boolean = () => false): Promise<JobDto> {
    const deadline = Date.now() + ms;
    for (;;) {
      const set = this.waiters.get(jobId) ?? new Set<(issued: boolean) => void>();
      this.waiters.set(jobId, set);
      let timer: NodeJS.Timeout | undefined;
      let wake!: (issued: boolean) => void;
      const woken = new Promise<boolean>((resolve) => (wake = resolve));
      set.add(wake);
      try {
        const job = await this.rpc.request(Rpc.inventory.jobGet, { id: jobId });
        if (FINISHED.includes(job.status) || settled(job) || Date.now() >= deadline) return job;
        timer = setTimeout(() => wake(false), Math.min(POLL_MS, deadline - Date.now()));
        if (await woken) return { ...job, status: 'completed' };
      } finally {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(jobId);
      }
    }
  }
}
