import { Controller, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AcmeRpc, AppError, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type SanRules, checkSanRules } from '@certctl/pki';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { RpcHandler } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { JobService } from '../jobs/job.service';

type IssueRequest = RpcRequestParsed<typeof AcmeRpc.inventoryIssue>;
type IssueResponse = RpcResponse<typeof AcmeRpc.inventoryIssue>;
const OPEN_JOB = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] as const;

/**
 * Records what an ACME order issues: the managed certificate (source `acme`, tagged with
 * its account and order) and one job carrying the client's CSR. The order id is the job's
 * idempotency key, so a repeated finalize never queues a second signing. An account that
 * already holds a certificate for exactly these names gets a new version of it (a renewal).
 */
@Injectable()
export class AcmeIssueService {
  constructor(
    private readonly db: PrismaService,
    private readonly jobs: JobService,
  ) {}

  async issue(req: IssueRequest): Promise<IssueResponse> {
    const idempotencyKey = `acme:${req.order_id}`;
    const existing = await this.db.job.findUnique({ where: { idempotencyKey } });
    if (existing) {
      return {
        certificate_id: existing.certificateId,
        job_id: existing.id,
        job_status: existing.status,
        renewal: existing.type === 'renewal',
      };
    }
    const names = [...new Set(req.sans.map((n) => n.toLowerCase()))].sort();
    const [policy, profile] = await Promise.all([
      this.db.renewalPolicy.findUnique({ where: { id: req.renewal_policy_id }, select: { maxRetries: true } }),
      this.db.certificateProfile.findUnique({ where: { id: req.profile_id }, select: { requiresApproval: true, sanRules: true } }),
    ]);
    if (!policy) throw AppError.notFound('renewal policy', req.renewal_policy_id);
    if (!profile) throw AppError.notFound('profile', req.profile_id);
    const breaches = checkSanRules(names, profile.sanRules as SanRules);
    if (breaches.length) throw AppError.validation(breaches, 'the profile does not allow these names');
    const status = profile.requiresApproval ? ('awaiting_approval' as const) : ('pending' as const);
    const actor = `acme:${req.account_id}`;
    const traceparent = this.jobs.traceparent();
    const jobId = newId('job');

    const out = await this.db.$transaction(async (tx) => {
      const renewable = await tx.$queryRaw<{ id: string }[]>`
        SELECT c.id FROM certificates c
        WHERE c.source = 'acme' AND c.tags->>'acme_account_id' = ${req.account_id}
          AND c.profile_id = ${req.profile_id}
          AND c.sans = ${names}::text[]
          AND c.status::text = ANY(${statusesLeadingTo('renewal_in_progress')}::text[])
          AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id AND j.type IN ('issuance', 'renewal')
                          AND j.status::text = ANY(${[...OPEN_JOB]}::text[]))
        ORDER BY c.created_at DESC LIMIT 1
        FOR UPDATE SKIP LOCKED`;
      let certId = renewable[0]?.id;
      if (certId) {
        await tx.certificate.update({
          where: { id: certId },
          data: { status: 'renewal_in_progress', tags: { acme_account_id: req.account_id, acme_order_id: req.order_id } },
        });
      } else {
        certId = newId('cert');
        await tx.certificate.create({
          data: {
            id: certId,
            name: `acme-${req.order_id}`,
            commonName: req.common_name.toLowerCase(),
            sans: names,
            tags: { acme_account_id: req.account_id, acme_order_id: req.order_id },
            issuerId: req.issuer_id,
            profileId: req.profile_id,
            ownerId: req.owner_id,
            teamId: req.team_id,
            renewalPolicyId: req.renewal_policy_id,
            source: 'acme',
            createdBy: actor,
          },
        });
      }
      await tx.job.create({
        data: {
          id: jobId,
          type: renewable[0] ? 'renewal' : 'issuance',
          status,
          certificateId: certId,
          requestedBy: actor,
          maxAttempts: policy.maxRetries,
          csrPem: req.csr_pem,
          idempotencyKey,
          traceparent,
        },
      });
      return { certId, renewal: !!renewable[0] };
    });
    if (status === 'pending') {
      await this.jobs.enqueueIssuance(jobId, out.certId, traceparent).catch((err: unknown) => {
        getLogger().warn({ job_id: jobId, err: (err as Error).message }, 'could not queue the ACME job now; reconciliation will');
      });
    }
    getLogger().info(
      { order_id: req.order_id, account_id: req.account_id, certificate_id: out.certId, job_id: jobId, renewal: out.renewal },
      'ACME order recorded in the inventory',
    );
    return { certificate_id: out.certId, job_id: jobId, job_status: status, renewal: out.renewal };
  }
}

@Controller()
export class AcmeIssueHandler {
  constructor(private readonly service: AcmeIssueService) {}

  @RpcHandler(AcmeRpc.inventoryIssue)
  async issue(@Payload() req: IssueRequest) {
    try {
      return await this.service.issue(req);
    } catch (err) {
      // Two finalize calls racing on one order: the loser answers with the winner's job.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return this.service.issue(req);
      throw err;
    }
  }
}
