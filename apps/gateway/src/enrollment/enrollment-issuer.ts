import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, InventoryEnrollment, Rpc, type RpcRequest } from '@certctl/contracts';
import { JobWaiter, RpcClient } from '@certctl/messaging';

export type EnrollmentRequest = RpcRequest<typeof InventoryEnrollment.issue>;

/** Job states only a person (an approver) or another party (an agent's CSR) moves on: no use waiting for them in the request. */
const WAITING_FOR_SOMEONE: readonly string[] = ['awaiting_approval', 'awaiting_csr'];

/** What an enrollment came to within the wait: the certificate, still pending (answer "retry later"), or refused. */
export type EnrollmentOutcome =
  | { status: 'issued'; certificate_id: string; job_id: string; certificate_pem: string; chain_pem: string; serial_number: string }
  | { status: 'pending'; certificate_id: string; job_id: string }
  | { status: 'failed'; certificate_id: string; job_id: string; error: string };

/**
 * The protocol edges' (EST, SCEP) way to the inventory: records an enrollment, waits (bounded)
 * for its job with the shared JobWaiter and fetches the issued certificate.
 */
@Injectable()
export class EnrollmentIssuer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly jobs: JobWaiter;

  constructor(private readonly rpc: RpcClient) {
    this.jobs = new JobWaiter(rpc);
  }

  onApplicationBootstrap(): void {
    this.jobs.start();
  }

  onApplicationShutdown(): void {
    this.jobs.stop();
  }

  /** Records the enrollment in the inventory and waits up to `waitMs` for its certificate. */
  async enroll(request: EnrollmentRequest, waitMs: number): Promise<EnrollmentOutcome> {
    const recorded = await this.rpc.request(Rpc.inventory.enrollmentIssue, request);
    return this.outcome(recorded.job_id, recorded.certificate_id, waitMs);
  }

  /** Where the enrollment's job stands after waiting up to `waitMs` (a client polling again calls this with its job). */
  async outcome(jobId: string, certificateId: string, waitMs: number): Promise<EnrollmentOutcome> {
    const job = await this.jobs.wait(jobId, waitMs, (current) => WAITING_FOR_SOMEONE.includes(current.status));
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
}
