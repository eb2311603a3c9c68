import { Injectable } from '@nestjs/common';
import {
  AppError,
  type CertificateStatus,
  type FieldError,
  LifecycleEvents,
  LifecycleRpc,
  QueueName,
  type RpcRequestParsed,
  type RpcResponse,
} from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { initialJobStatus } from '../jobs/initial-status';
import { JobService } from '../jobs/job.service';
import { CertificateService, missingTargets } from './certificate.service';
import { assertCertificateTransition, statusesLeadingTo } from './certificate-state';
import { toVersionDto } from './certificate.mapper';

type BulkRequest = RpcRequestParsed<typeof LifecycleRpc.certificateBulkRenew>;
type UpdateRequest = RpcRequestParsed<typeof LifecycleRpc.certificateUpdate>;
type Actor = { principal: string; key_id?: string; owner_key_id?: string };

/** Open jobs that already produce a new version: a second renewal would be a duplicate. */
const OPEN_ISSUING = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] as const;
const NOT_RENEWABLE = new Set(['revoked', 'archived']); // statuses with no way to renewal_in_progress or active

@Injectable()
export class CertificateLifecycleService {
  constructor(
    private readonly db: PrismaService,
    private readonly certificates: CertificateService,
    private readonly jobs: JobService,
    private readonly queues: QueueService,
    private readonly rpc: RpcClient,
  ) {}

  async update({ actor, id, body }: UpdateRequest): Promise<RpcResponse<typeof LifecycleRpc.certificateUpdate>> {
    const cert = await this.db.certificate.findUnique({ where: { id }, select: { id: true } });
    if (!cert) throw AppError.notFound('certificate', id);
    const checks: [string, string | null | undefined, () => Promise<unknown>][] = [
      ['owner_id', body.owner_id, () => this.db.owner.findUnique({ where: { id: body.owner_id! }, select: { id: true } })],
      ['team_id', body.team_id, () => this.db.team.findUnique({ where: { id: body.team_id! }, select: { id: true } })],
      [
        'renewal_policy_id',
        body.renewal_policy_id,
        () => this.db.renewalPolicy.findUnique({ where: { id: body.renewal_policy_id! }, select: { id: true } }),
      ],
      [
        'profile_id',
        body.profile_id,
        () => this.db.certificateProfile.findUnique({ where: { id: body.profile_id! }, select: { id: true } }),
      ],
    ];
    const missing: FieldError[] = [];
    for (const [field, value, find] of checks) {
      if (value && !(await find()))
        missing.push({ field, message: `${field.replace(/_id$/, '').replace('_', ' ')} ${JSON.stringify(value)} does not exist` });
    }
    missing.push(...(await missingTargets(this.db, body.target_ids)));
    if (missing.length) throw AppError.validation(missing, 'The update references resources that do not exist.');
    const data: Prisma.CertificateUncheckedUpdateInput = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.environment !== undefined ? { environment: body.environment } : {}),
      ...(body.tags !== undefined ? { tags: body.tags } : {}),
      ...(body.owner_id !== undefined ? { ownerId: body.owner_id } : {}),
      ...(body.team_id !== undefined ? { teamId: body.team_id } : {}),
      ...(body.renewal_policy_id !== undefined ? { renewalPolicyId: body.renewal_policy_id } : {}),
      ...(body.profile_id !== undefined ? { profileId: body.profile_id } : {}),
    };
    try {
      await this.db.$transaction(async (tx) => {
        await tx.certificate.update({ where: { id }, data });
        if (body.target_ids) {
          await tx.certificateTarget.deleteMany({ where: { certificateId: id } });
          const ids = [...new Set(body.target_ids)];
          if (ids.length) await tx.certificateTarget.createMany({ data: ids.map((targetId) => ({ certificateId: id, targetId })) });
        }
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new AppError('conflict', `a certificate named ${JSON.stringify(body.name)} already exists`, {
          fields: [{ field: 'name', message: 'must be unique' }],
        });
      }
      throw err;
    }
    await this.rpc.emit(LifecycleEvents.certificateUpdated, { certificate_id: id, actor: actor.principal, fields: Object.keys(body) });
    return this.certificates.get(id);
  }

  /** One renewal job (or the reason there is none). */
  /** Every issued version, newest first, with the job that produced it and who asked for that job. */
  async versions(id: string): Promise<RpcResponse<typeof LifecycleRpc.certificateVersions>> {
    const cert = await this.db.certificate.findUnique({ where: { id }, select: { id: true } });
    if (!cert) throw AppError.notFound('certificate', id);
    const versions = await this.db.certificateVersion.findMany({
      where: { certificateId: id },
      orderBy: { createdAt: 'desc' },
      take: 1000,
    });
    const jobIds = versions.map((v) => v.jobId).filter((j): j is string => j !== null);
    const jobs = jobIds.length
      ? await this.db.job.findMany({ where: { id: { in: jobIds } }, select: { id: true, type: true, requestedBy: true } })
      : [];
    const byId = new Map(jobs.map((j) => [j.id, j]));
    return {
      data: versions.map((v) => {
        const job = v.jobId ? byId.get(v.jobId) : undefined;
        return { ...toVersionDto(v), job_id: v.jobId, cause: job ? { job_type: job.type, requested_by: job.requestedBy } : null };
      }),
    };
  }

  async renew({ actor, id }: { actor: Actor; id: string }): Promise<RpcResponse<typeof LifecycleRpc.certificateRenew>> {
    const out = await this.createRenewals(actor, [id]);
    if (out.skipped.length) {
      const reason = out.skipped[0].reason;
      if (reason === 'not found') throw AppError.notFound('certificate', id);
      throw new AppError('conflict', `certificate ${id} cannot be renewed now: ${reason}`);
    }
    const job = out.jobs[0];
    return { certificate_id: id, job_id: job.job_id, status: job.status };
  }

  async bulkRenew({ actor, body }: BulkRequest): Promise<RpcResponse<typeof LifecycleRpc.certificateBulkRenew>> {
    let ids = body.ids;
    if (!ids) {
      const f = body.filter!;
      const rows = await this.db.certificate.findMany({
        where: {
          ...(f.status ? { status: f.status } : {}),
          ...(f.issuer_id ? { issuerId: f.issuer_id } : {}),
          ...(f.owner_id ? { ownerId: f.owner_id } : {}),
          ...(f.team_id ? { teamId: f.team_id } : {}),
          ...(f.expires_before ? { expiresAt: { lt: new Date(f.expires_before) } } : {}),
        },
        select: { id: true },
        take: 10001,
      });
      if (rows.length > 10000) throw new AppError('validation_failed', 'The filter matches more than 10,000 certificates; narrow it.');
      ids = rows.map((r) => r.id);
    }
    const out = await this.createRenewals(actor, [...new Set(ids)]);
    return {
      requested: ids.length,
      queued: out.jobs.length,
      skipped: out.skipped,
      jobs: out.jobs.map(({ certificate_id, job_id }) => ({ certificate_id, job_id })),
    };
  }

  /**
   * Renewal jobs for many certificates in one transaction (one INSERT for all), skipping
   * certificates that are missing, revoked, archived or already being (re)issued; the
   * queue entries follow, and the reconciliation loop re-queues any that did not make it.
   */
  private async createRenewals(actor: Actor, ids: string[]) {
    const skipped: { certificate_id: string; reason: string }[] = [];
    const jobs: { certificate_id: string; job_id: string; status: ReturnType<typeof initialJobStatus> }[] = [];
    const traceparent = this.jobs.traceparent();
    await this.db.$transaction(
      async (tx) => {
        // One statement reads and locks every certificate (so two concurrent renew calls cannot
        // both see "no open job") with what decides its job; arrays keep it one round trip at 10,000.
        const certs = await tx.$queryRaw<
          {
            id: string;
            status: string;
            agent_id: string | null;
            requires_approval: boolean | null;
            key_generation: string | null;
            max_retries: number;
            busy: boolean;
          }[]
        >`
          SELECT c.id, c.status::text AS status, c.agent_id, p.requires_approval, p.key_generation::text AS key_generation, rp.max_retries,
                 EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id AND j.type IN ('issuance', 'renewal')
                         AND j.status::text = ANY(${[...OPEN_ISSUING]}::text[])) AS busy
          FROM certificates c
          JOIN renewal_policies rp ON rp.id = c.renewal_policy_id
          LEFT JOIN certificate_profiles p ON p.id = c.profile_id
          WHERE c.id = ANY(${ids}::text[])
          FOR UPDATE OF c`;
        const byId = new Map(certs.map((c) => [c.id, c]));
        const rows: { id: string; status: string; certificateId: string; agentId: string | null; maxAttempts: number }[] = [];
        for (const id of ids) {
          const c = byId.get(id);
          if (!c) skipped.push({ certificate_id: id, reason: 'not found' });
          else if (NOT_RENEWABLE.has(c.status)) skipped.push({ certificate_id: id, reason: `status is ${c.status}` });
          else if (c.busy) skipped.push({ certificate_id: id, reason: 'an issuance or renewal job is already open' });
          else {
            const status = initialJobStatus(
              c.key_generation === null ? null : { requiresApproval: c.requires_approval === true, keyGeneration: c.key_generation },
            );
            const jobId = newId('job');
            rows.push({ id: jobId, status, certificateId: id, agentId: c.agent_id, maxAttempts: c.max_retries });
            jobs.push({ certificate_id: id, job_id: jobId, status });
          }
        }
        if (rows.length) {
          await tx.$executeRaw`
            INSERT INTO jobs (id, type, status, certificate_id, agent_id, max_attempts, requested_by, requested_by_key_id, requested_by_owner,
                              traceparent, updated_at)
            SELECT id, 'renewal', status::job_status, certificate_id, agent_id, max_attempts, ${actor.principal}, ${actor.key_id ?? null},
                   ${actor.owner_key_id ?? null}, ${traceparent ?? null}, now()
            FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.certificateId)}::text[],
                        ${rows.map((r) => r.agentId)}::text[], ${rows.map((r) => r.maxAttempts)}::int[])
                 AS t(id, status, certificate_id, agent_id, max_attempts)`;
          await tx.$executeRaw`
            UPDATE certificates SET status = 'renewal_in_progress', updated_at = now()
            WHERE id = ANY(${rows.map((r) => r.certificateId)}::text[])
              AND status::text = ANY(${statusesLeadingTo('renewal_in_progress')}::text[])`;
        }
      },
      { timeout: 30000 },
    );
    // Queue entries and events follow in the background: the job rows are the record, and
    // the reconciliation loop re-queues any pending job whose entry did not make it.
    void this.afterRenewals(actor, jobs, traceparent);
    getLogger().info(
      { actor: actor.principal, requested: ids.length, created: jobs.length, skipped: skipped.length },
      'renewals requested',
    );
    return { jobs, skipped };
  }

  private async afterRenewals(actor: Actor, jobs: { certificate_id: string; job_id: string; status: string }[], traceparent?: string) {
    const ready = jobs.filter((j) => j.status === 'pending');
    const options = this.queues.jobOptions(QueueName.Issuance);
    for (let i = 0; i < ready.length; i += 500) {
      await this.queues
        .queue(QueueName.Issuance)
        .addBulk(
          ready.slice(i, i + 500).map((j) => ({
            name: QueueName.Issuance,
            data: { job_id: j.job_id, certificate_id: j.certificate_id, traceparent },
            opts: { ...options, jobId: j.job_id },
          })),
        )
        .catch((err: unknown) =>
          getLogger().warn({ err: (err as Error).message, jobs: ready.length }, 'could not queue renewals now; reconciliation will'),
        );
    }
    await Promise.all(
      jobs.map((j) =>
        this.rpc.emit(LifecycleEvents.renewalRequested, { certificate_id: j.certificate_id, job_id: j.job_id, actor: actor.principal }),
      ),
    ).catch(() => undefined);
  }

  /** Archive: the certificate leaves the active inventory; its open jobs are cancelled. History stays. */
  async archive({ actor, id }: { actor: Actor; id: string }): Promise<{ id: string; status: 'archived' }> {
    await this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<{ status: CertificateStatus }[]>`SELECT status FROM certificates WHERE id = ${id} FOR UPDATE`;
      if (!rows.length) throw AppError.notFound('certificate', id);
      if (rows[0].status === 'archived') return;
      assertCertificateTransition(id, rows[0].status, 'archived');
      await tx.certificate.update({ where: { id }, data: { status: 'archived' } });
      await tx.job.updateMany({
        where: { certificateId: id, status: { in: ['pending', 'awaiting_approval', 'awaiting_csr'] } },
        data: { status: 'cancelled', completedAt: new Date(), lastError: `certificate archived by ${actor.principal}` },
      });
    });
    await this.rpc.emit(LifecycleEvents.certificateUpdated, { certificate_id: id, actor: actor.principal, fields: ['status'] });
    return { id, status: 'archived' };
  }

  async stats(): Promise<RpcResponse<typeof LifecycleRpc.statsSummary>> {
    const now = Date.now();
    const live = { status: { notIn: ['revoked', 'archived', 'expired'] as ('revoked' | 'archived' | 'expired')[] } };
    const [byStatus, in7, in30, jobs, agents] = await Promise.all([
      this.db.certificate.groupBy({ by: ['status'], _count: { _all: true } }),
      this.db.certificate.count({ where: { ...live, expiresAt: { gt: new Date(now), lte: new Date(now + 7 * 86400000) } } }),
      this.db.certificate.count({ where: { ...live, expiresAt: { gt: new Date(now), lte: new Date(now + 30 * 86400000) } } }),
      this.db.job.groupBy({ by: ['status'], _count: { _all: true } }),
      this.db.agent.groupBy({ by: ['status'], _count: { _all: true } }),
    ]);
    const counts = (rows: { status: string; _count: { _all: number } }[]) => Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
    const a = counts(agents);
    return {
      certificates: { total: byStatus.reduce((n, r) => n + r._count._all, 0), by_status: counts(byStatus) },
      expiring: { within_7_days: in7, within_30_days: in30 },
      jobs: { by_status: counts(jobs) },
      agents: { online: a.online ?? 0, offline: a.offline ?? 0, retired: a.retired ?? 0 },
    };
  }
}
