import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type SanRules, checkSanRules } from '@certctl/pki';
import { type Prisma, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { JobService } from '../jobs/job.service';
import { type JobRow, ManagedIssueRepository } from './managed-issue.repository';

/** Where the certificate lands and what its job carries. */
export interface ManagedIssueRequest {
  /** The job's idempotency key: the same request recorded twice answers with its first job. */
  idempotencyKey: string;
  /** The job's requested_by and the certificate's created_by. */
  actor: string;
  /** Certificate source (`acme`, `est`, `scep`). */
  source: string;
  commonName: string;
  sans: string[];
  csrPem: string;
  issuerId: string;
  profileId: string;
  ownerId: string;
  teamId: string;
  renewalPolicyId: string;
  tags: Record<string, string>;
  /** The CSR's key, checked against the profile's allowed key algorithms when given. */
  key?: { type: string; size: number };
  /** Inside the transaction: the certificate this request renews (locked), or undefined for a new one. */
  findRenewable(names: string[], tx: Prisma.TransactionClient): Promise<string | undefined>;
  /** The new certificate's unique name. */
  certificateName(certificateId: string): string;
  /** For the log line. */
  context: Record<string, unknown>;
}

export interface ManagedIssueResult {
  certificate_id: string;
  job_id: string;
  job_status: string;
  renewal: boolean;
}

interface Plan {
  names: string[];
  status: 'pending' | 'awaiting_approval';
  maxAttempts: number;
  jobId: string;
  traceparent: string | undefined;
}

type KeyRule = { algorithm?: string; min_size?: number };

/**
 * Records what a protocol request issues (ACME order, EST or SCEP enrollment): the managed
 * certificate (new, or a new version of the one it renews) and one job carrying the client's
 * CSR, in one transaction, then queues the job. The idempotency key makes a repeated request
 * answer with its first job; two racing on one key: the loser answers with the winner's job.
 */
@Injectable()
export class ManagedIssueService {
  constructor(
    private readonly repo: ManagedIssueRepository,
    private readonly jobs: JobService,
  ) {}

  async issue(req: ManagedIssueRequest): Promise<ManagedIssueResult> {
    try {
      return await this.issueOnce(req);
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return this.issueOnce(req);
      throw err;
    }
  }

  private async issueOnce(req: ManagedIssueRequest): Promise<ManagedIssueResult> {
    // The recorded job (a repeated request) and the plan are read at once; a recorded job answers
    // whatever the plan would have said.
    const planned = this.plan(req);
    planned.catch(() => undefined); // awaited below unless the request was recorded before
    const existing = await this.repo.findJobByIdempotencyKey(req.idempotencyKey);
    if (existing) return recordedAnswer(existing);
    const plan = await planned;
    const out = await this.repo.transaction((tx) => this.record(req, plan, tx));
    if (plan.status === 'pending') {
      await this.jobs.enqueueIssuance(plan.jobId, out.certId, plan.traceparent).catch((err: unknown) => {
        getLogger().warn({ job_id: plan.jobId, err: (err as Error).message }, 'could not queue the job now; reconciliation will');
      });
    }
    getLogger().info(
      { ...req.context, source: req.source, certificate_id: out.certId, job_id: plan.jobId, renewal: out.renewal },
      'protocol request recorded in the inventory',
    );
    return { certificate_id: out.certId, job_id: plan.jobId, job_status: plan.status, renewal: out.renewal };
  }

  /** Checks the policy, the profile, the names (SAN rules) and the key; decides where the job starts. */
  private async plan(req: ManagedIssueRequest): Promise<Plan> {
    const names = [...new Set(req.sans.map((name) => name.toLowerCase()))].sort();
    const [policy, profile] = await Promise.all([
      this.repo.findPolicyRetries(req.renewalPolicyId),
      this.repo.findProfileRules(req.profileId),
    ]);
    if (!policy) throw AppError.notFound('renewal policy', req.renewalPolicyId);
    if (!profile) throw AppError.notFound('profile', req.profileId);
    const breaches = checkSanRules(names, profile.sanRules as SanRules);
    if (breaches.length) throw AppError.validation(breaches, 'the profile does not allow these names');
    const keyProblem = req.key && keyRuleProblem(req.key, profile.allowedKeyAlgorithms as KeyRule[]);
    if (keyProblem) throw AppError.validation([{ field: 'csr', message: keyProblem }], 'the profile does not allow this key');
    return {
      names,
      status: profile.requiresApproval ? 'awaiting_approval' : 'pending',
      maxAttempts: policy.maxRetries,
      traceparent: this.jobs.traceparent(),
      jobId: newId('job'),
    };
  }

  /** The certificate (the renewable one, else a new one) and the job, in one transaction. */
  private async record(req: ManagedIssueRequest, plan: Plan, tx: Prisma.TransactionClient) {
    const renewable = await req.findRenewable(plan.names, tx);
    const certId = renewable ?? newId('cert');
    if (renewable) await this.repo.markRenewing(renewable, req.tags, tx);
    else await this.repo.insertCertificate(newCertificate(req, certId, plan.names), req.idempotencyKey, tx);
    await this.repo.insertJob(
      {
        id: plan.jobId,
        type: renewable ? 'renewal' : 'issuance',
        status: plan.status,
        certificateId: certId,
        requestedBy: req.actor,
        maxAttempts: plan.maxAttempts,
        csrPem: req.csrPem,
        idempotencyKey: req.idempotencyKey,
        traceparent: plan.traceparent,
      },
      req.idempotencyKey,
      tx,
    );
    return { certId, renewal: !!renewable };
  }
}

/** Why the key does not fit the profile's allowed algorithms (none listed: any key), or undefined. */
export function keyRuleProblem(key: { type: string; size: number }, rules: KeyRule[] | null | undefined): string | undefined {
  if (!rules?.length) return undefined;
  const ok = rules.some((rule) => rule.algorithm?.toUpperCase() === key.type.toUpperCase() && key.size >= (rule.min_size ?? 0));
  if (ok) return undefined;
  const allowed = rules.map((rule) => `${rule.algorithm} ≥ ${rule.min_size ?? 0}`).join(', ');
  return `a ${key.type} ${key.size}-bit key is not allowed by the profile (allowed: ${allowed})`;
}

function recordedAnswer(job: JobRow): ManagedIssueResult {
  return { certificate_id: job.certificateId, job_id: job.id, job_status: job.status, renewal: job.type === 'renewal' };
}

function newCertificate(req: ManagedIssueRequest, id: string, names: string[]): Prisma.CertificateUncheckedCreateInput {
  return {
    id,
    name: req.certificateName(id),
    commonName: req.commonName.toLowerCase(),
    sans: names,
    tags: req.tags,
    issuerId: req.issuerId,
    profileId: req.profileId,
    ownerId: req.ownerId,
    teamId: req.teamId,
    renewalPolicyId: req.renewalPolicyId,
    source: req.source,
    createdBy: req.actor,
  };
}
