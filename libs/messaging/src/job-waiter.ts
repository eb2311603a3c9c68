import { Events, type JobDto, Rpc } from '@certctl/contracts';
import type { RpcClient } from './rpc-client';

const FINISHED = ['completed', 'failed', 'cancelled'];
const POLL_MS = 500;
/** How many finish events are remembered (most recent first kept). */
const HEARD_MAX = 1000;

/**
 * A job as a wait ends: read from inventory, or, when its certificate-issued event ended the wait,
 * completed (its other fields as last read, absent when it was never read).
 */
export type WaitedJob = Pick<JobDto, 'id' | 'status'> & Partial<Omit<JobDto, 'id' | 'status'>>;

export interface WaitOptions {
  /**
   * The caller has just recorded the job as pending (queued, unfinished): the first read is
   * skipped and the wait starts at once; the job is read at the next poll (or on a job-failed
   * event) as usual.
   */
  queued?: boolean;
}

/**
 * Waits for a job to finish (completed, failed or cancelled) for the services that hand work to
 * inventory and answer a client in the same request (ACME finalize, EST and SCEP enrollments):
 * woken by the job's certificate-issued or job-failed event (any replica hears it), checking every
 * 500 ms in case one is missed. The waiter is registered before each check, so an event that lands
 * between the check and the wait still wakes it, and the last finish events heard are remembered,
 * so one that landed before the wait began ends it too. The caller must consume both events (its
 * contract's consumers) and call start() once connected.
 */
export class JobWaiter {
  /** Per job, the waiters to wake: `true` when woken by the job's certificate-issued event. */
  private readonly waiters = new Map<string, Set<(issued: boolean) => void>>();
  /** The jobs whose finish event was heard lately: `true` for certificate-issued, `false` for job-failed. */
  private readonly heard = new Map<string, boolean>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly rpc: Pick<RpcClient, 'request' | 'onEvent'>) {}

  start(): void {
    const wake = (issued: boolean) => (event: { job_id?: string }) => {
      const jobId = event.job_id ?? '';
      this.remember(jobId, issued);
      for (const waiter of this.waiters.get(jobId) ?? []) waiter(issued);
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
   * between the signature and the client's answer. A job the caller has just queued
   * (`options.queued`) is not read before the first wait either.
   */
  async wait(jobId: string, ms: number, settled: (job: JobDto) => boolean = () => false, options: WaitOptions = {}): Promise<WaitedJob> {
    const deadline = Date.now() + ms;
    let last: WaitedJob = { id: jobId, status: 'pending' };
    let read = !options.queued;
    for (;;) {
      const set = this.waiters.get(jobId) ?? new Set<(issued: boolean) => void>();
      this.waiters.set(jobId, set);
      let timer: NodeJS.Timeout | undefined;
      let wake!: (issued: boolean) => void;
      const woken = new Promise<boolean>((resolve) => (wake = resolve));
      set.add(wake);
      try {
        const heard = this.heard.get(jobId);
        if (heard === true) return { ...last, status: 'completed' };
        if (read || heard === false) {
          const job = await this.rpc.request(Rpc.inventory.jobGet, { id: jobId });
          last = job;
          if (FINISHED.includes(job.status) || settled(job) || Date.now() >= deadline) return job;
        } else if (Date.now() >= deadline) return last;
        read = true;
        timer = setTimeout(() => wake(false), Math.min(POLL_MS, deadline - Date.now()));
        if (await woken) return { ...last, status: 'completed' };
      } finally {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(jobId);
      }
    }
  }

  private remember(jobId: string, issued: boolean): void {
    this.heard.delete(jobId);
    this.heard.set(jobId, issued);
    if (this.heard.size > HEARD_MAX) this.heard.delete(this.heard.keys().next().value!);
  }
}
