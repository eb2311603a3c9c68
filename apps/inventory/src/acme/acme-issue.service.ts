import { Injectable } from '@nestjs/common';
import { AcmeRpc, AppError, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type SanRules, checkSanRules } from '@certctl/pki';
import { type Prisma, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { JobService } from '../jobs/job.service';
import { AcmeIssueRepository, type JobRow } from './acme-issue.repository';

export type IssueRequest = RpcRequestParsed<typeof AcmeRpc.inventoryIssue>;
type IssueResponse = RpcResponse<typeof AcmeRpc.inventoryIssue>;
const OPEN_JOB = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] as const;

/** What the order's job is, decided before anything is written. */
interface OrderPlan {
  names: string[];
  status: 'pending' | 'awaiting_approval';
  maxAttempts: number;
  idempotencyKey: string;
  jobId: string;
  actor: string;
  traceparent: string | undefined;
}

/**
 * Records what an ACME order issues: the managed certificate (source `acme`, tagged with
 * its account and order) and one job carrying the client's CSR. The order id is the job's
 * idempotency key, so a repeated finalize never queues a second signing. An account that
 * already holds a certificate for exactly these names gets a new version of it (a renewal).
 */
@Injectable()
export class AcmeIssueService {
  constructor(
    private readonly repo: AcmeIssueRepository,
    private readonly jobs: JobService,
  ) {}

  /** Two finalize calls racing on one order: the loser (its write refused as a conflict) answers with the winner's job. */
  async issue(req: IssueRequest): Promise<IssueResponse> {
    try {
      return await this.issueOnce(req);
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return this.issueOnce(req);
      throw err;
    }
  }

  private async issueOnce(req: IssueRequest): Promise<IssueResponse> {
    const idempotencyKey = `acme:${req.order_id}`;
    const existing = await this.repo.findJobByIdempotencyKey(idempotencyKey);
    if (existing) return recordedAnswer(existing);
    const plan = await this.plan(req, idempotencyKey);
    const out = await this.repo.transaction((tx) => this.record(req, plan, tx));
    if (plan.status === 'pending') {
      await this.jobs.enqueueIssuance(plan.jobId, out.certId, plan.traceparent).catch((err: unknown) => {
        getLogger().warn({ job_id: plan.jobId, err: (err as Error).message }, 'could not queue the ACME job now; reconciliation will');
      });
    }
    getLogger().info(
      { order_id: req.order_id, account_id: req.account_id, certificate_id: out.certId, job_id: plan.jobId, renewal: out.renewal },
      'ACME order recorded in the inventory',
    );
    return { certificate_id: out.certId, job_id: plan.jobId, job_status: plan.status, renewal: out.renewal };
  }

  /** Checks the policy, the profile and the names against the profile's SAN rules; decides where the job starts. */
  private async plan(req: IssueRequest, idempotencyKey: string): Promise<OrderPlan> {
    const names = [...new Set(req.sans.map((name) => name.toLowerCase()))].sort();
    const [policy, profile] = await Promise.all([
      this.repo.findPolicyRetries(req.renewal_policy_id),
      this.repo.findProfileRules(req.profile_id),
    ]);
    if (!policy) throw AppError.notFound('renewal policy', req.renewal_policy_id);
    if (!profile) throw AppError.notFound('profile', req.profile_id);
    const breaches = checkSanRules(names, profile.sanRules as SanRules);
    if (breaches.length) throw AppError.validation(breaches, 'the profile does not allow these names');
    return {
      names,
      status: profile.requiresApproval ? 'awaiting_approval' : 'pending',
      maxAttempts: policy.maxRetries,
      idempotencyKey,
      actor: `acme:${req.account_id}`,
      traceparent: this.jobs.traceparent(),
      jobId: newId('job'),
    };
  }

  /** The certificate (the account's renewable one, else a new one) and the job, in one transaction. */
  private async record(req: IssueRequest, plan: OrderPlan, tx: Prisma.TransactionClient) {
    const tags = { acme_account_id: req.account_id, acme_order_id: req.order_id };
    const renewable = await this.repo.lockRenewable(
      {
        accountId: req.account_id,
        profileId: req.profile_id,
        names: plan.names,
        renewableFrom: statusesLeadingTo('renewal_in_progress'),
        openJobStatuses: OPEN_JOB,
      },
      tx,
    );
    const certId = renewable ?? newId('cert');
    if (renewable) await this.repo.markRenewing(renewable, tags, tx);
    else await this.repo.insertCertificate(newCertificate(req, certId, plan, tags), plan.idempotencyKey, tx);
    await this.repo.insertJob(
      {
        id: plan.jobId,
        type: renewable ? 'renewal' : 'issuance',
        status: plan.status,
        certificateId: certId,
        requestedBy: plan.actor,
        maxAttempts: plan.maxAttempts,
        csrPem: req.csr_pem,
        idempotencyKey: plan.idempotencyKey,
        traceparent: plan.traceparent,
      },
      plan.idempotencyKey,
      tx,
    );
    return { certId, renewal: !!renewable };
  }
}

function recordedAnswer(job: JobRow): IssueResponse {
  return { certificate_id: job.certificateId, job_id: job.id, job_status: job.status, renewal: job.type === 'renewal' };
}

function newCertificate(
  req: IssueRequest,
  id: string,
  plan: OrderPlan,
  tags: Record<string, string>,
): Prisma.CertificateUncheckedCreateInput {
  return {
    id,
    name: `acme-${req.order_id}`,
    commonName: req.common_name.toLowerCase(),
    sans: plan.names,
    tags,
    issuerId: req.issuer_id,
    profileId: req.profile_id,
    ownerId: req.owner_id,
    teamId: req.team_id,
    renewalPolicyId: req.renewal_policy_id,
    source: 'acme',
    createdBy: plan.actor,
  };
}
