import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, Events, InventoryEnrollment, type JobDto, Rpc, type RpcRequest } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';

export type EnrollmentRequest = RpcRequest<typeof InventoryEnrollment.issue>;

/** What an enrollment came to within the wait: the certificate, still pending (answer "retry later"), or refused. */
export type EnrollmentOutcome =
  | { status: 'issued'; certificate_id: string; job_id: string; certificate_pem: string; chain_pem: string; serial_number: string }
  | { status: 'pending'; certificate_id: string; job_id: string }
  | { status: 'failed'; certificate_id: string; job_id: string; error: string };

const FINISHED = ['completed', 'failed', 'cancelled'];
const POLL_MS = 500;

/**
 * The protocol edges' (EST, SCEP) way to the inventory: records an enrollment, waits for its
 * job (woken by certificate-issued / job-failed events, polling every 500 ms in case one is
 * missed) and fetches the issued certificate. A waiter is registered before each check, so an
 * event landing between the check and the wait still wakes it.
 */
@Injectable()
export class EnrollmentIssuer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly rpc: RpcClient) {}

  onApplicationBootstrap(): void {
    const wake = (event: { job_id?: string }) => {
      for (const waiter of this.waiters.get(event.job_id ?? '') ?? []) waiter();
    };
    this.unsubscribe.push(this.rpc.onEvent(Events.certificateIssued, wake), this.rpc.onEvent(Events.jobFailed, wake));
  }

  onApplicationShutdown(): void {
    for (const stop of this.unsubscribe) stop();
  }

  /** Records the enrollment in the inventory and waits up to `waitMs` for its certificate. */
  async enroll(request: EnrollmentRequest, waitMs: number): Promise<EnrollmentOutcome> {
    const recorded = await this.rpc.request(Rpc.inventory.enrollmentIssue, request);
    return this.outcome(recorded.job_id, recorded.certificate_id, waitMs);
  }

  /** Where the enrollment's job stands after waiting up to `waitMs` (a client polling again calls this with its job). */
  async outcome(jobId: string, certificateId: string, waitMs: number): Promise<EnrollmentOutcome> {
    const job = await this.waitForJob(jobId, waitMs);
    if (job.status === 'failed' || job.status === 'cancelled')
      return { status: 'failed', certificate_id: certificateId, job_id: jobId, error: job.last_error ?? `the job was ${job.status}` };
    if (job.status !== 'completed') return { status: 'pending', certificate_id: certificateId, job_id: jobId };
    const cert = await this.rpc.request(Rpc.inventory.certificateGet, { id: certificateId });
    if (!cert.certificate_pem || !cert.current_version)
      throw new AppError('internal', `certificate ${certificateId} has no issued version`);
    return {
      status: 'issued',
      certificate_id: certificateId,
      job_id: jobId,
      certificate_pem: cert.certificate_pem,
      chain_pem: cert.chain_pem ?? '',
      serial_number: cert.current_version.serial_number,
    };
  }

  private async waitForJob(jobId: string, ms: number): Promise<JobDto> {
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
        if (FINISHED.includes(job.status) || Date.now() >= deadline) return job;
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
