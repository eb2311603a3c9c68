import { Injectable } from '@nestjs/common';
import {
  AppError,
  type FieldError,
  LifecycleEvents,
  LifecycleRpc,
  QueueName,
  type RpcRequestParsed,
  type RpcResponse,
} from '@certctl/contracts';
import { type Prisma, newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { QueueService } from '@certctl/queue';
import { initialJobStatus } from '../jobs/initial-status';
import { JobService } from '../jobs/job.service';
import { CertificateService, missingTargets } from './certificate.service';
import { assertCertificateTransition, statusesLeadingTo } from './certificate-state';
import { CertificateRepository } from './certificate.repository';
import { CertificateLifecycleRepository, type RenewalCandidate, type RenewalJobRow } from './certificate-lifecycle.repository';
import { toVersionDto } from './certificate.mapper';

type BulkRequest = RpcRequestParsed<typeof LifecycleRpc.certificateBulkRenew>;
type UpdateRequest = RpcRequestParsed<typeof LifecycleRpc.certificateUpdate>;
type Actor = { principal: string; key_id?: string; owner_key_id?: string };
type RenewalJob = { certificate_id: string; job_id: string; status: ReturnType<typeof initialJobStatus> };
type Skipped = { certificate_id: string; reason: string };

/** Open jobs that already produce a new version: a second renewal would be a duplicate. */
const OPEN_ISSUING = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] as const;
/** Why a certificate with an open issuance or renewal job is skipped (a campaign retries it later). */
export const BUSY_REASON = 'an issuance or renewal job is already open';
const NOT_RENEWABLE = new Set(['revoked', 'archived']); // statuses with no way to renewal_in_progress or active

@Injectable()
export class CertificateLifecycleService {
  constructor(
    private readonly repo: CertificateLifecycleRepository,
    private readonly certs: CertificateRepository,
    private readonly certificates: CertificateService,
    private readonly jobs: JobService,
    private readonly queues: QueueService,
    private readonly rpc: RpcClient,
  ) {}

  async update({ actor, id, body }: UpdateRequest): Promise<RpcResponse<typeof LifecycleRpc.certificateUpdate>> {
    if (!(await this.certs.exists(id))) throw AppError.notFound('certificate', id);
    const missing = [...(await this.missingReferences(body)), ...(await missingTargets(this.certs, body.target_ids))];
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
    await this.certs.update(id, data, body.target_ids ? [...new Set(body.target_ids)] : undefined, body.name);
    await this.rpc.emit(LifecycleEvents.certificateUpdated, { certificate_id: id, actor: actor.principal, fields: Object.keys(body) });
    return this.certificates.get(id);
  }

  /** A field error for each reference the update sets that does not exist, checked one after another. */
  private async missingReferences(body: UpdateRequest['body']): Promise<FieldError[]> {
    const checks: [string, string | null | undefined, (id: string) => Promise<boolean>][] = [
      ['owner_id', body.owner_id, (ref) => this.certs.ownerExists(ref)],
      ['team_id', body.team_id, (ref) => this.certs.teamExists(ref)],
      ['renewal_policy_id', body.renewal_policy_id, async (ref) => !!(await this.certs.findRenewalPolicy(ref))],
      ['profile_id', body.profile_id, (ref) => this.certs.profileExists(ref)],
    ];
    const missing: FieldError[] = [];
    for (const [field, value, exists] of checks) {
      if (value && !(await exists(value)))
        missing.push({ field, message: `${field.replace(/_id$/, '').replace('_', ' ')} ${JSON.stringify(value)} does not exist` });
    }
    return missing;
  }

  /** Every issued version, newest first, with the job that produced it and who asked for that job. */
  async versions(id: string): Promise<RpcResponse<typeof LifecycleRpc.certificateVersions>> {
    if (!(await this.certs.exists(id))) throw AppError.notFound('certificate', id);
    const versions = await this.certs.versionsOf(id);
    const jobs = await this.certs.findJobCauses(versions.map((v) => v.jobId).filter((j): j is string => j !== null));
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
      const filter = body.filter!;
      const matching = await this.repo.idsMatching(
        {
          status: filter.status,
          issuerId: filter.issuer_id,
          ownerId: filter.owner_id,
          teamId: filter.team_id,
          expiresBefore: filter.expires_before ? new Date(filter.expires_before) : undefined,
        },
        10001,
      );
      if (matching.length > 10000) throw new AppError('validation_failed', 'The filter matches more than 10,000 certificates; narrow it.');
      ids = matching;
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
    const traceparent = this.jobs.traceparent();
    const { jobs, skipped } = await this.repo.transaction((tx) => this.renewalsWithin(actor, ids, tx, traceparent), { timeout: 30000 });
    // Queue entries and events follow in the background: the job rows are the record, and
    // the reconciliation loop re-queues any pending job whose entry did not make it.
    void this.afterRenewals(actor, jobs, traceparent);
    getLogger().info(
      { actor: actor.principal, requested: ids.length, created: jobs.length, skipped: skipped.length },
      'renewals requested',
    );
    return { jobs, skipped };
  }

  /**
   * The renewal jobs inside the caller's transaction (a re-issuance campaign's, which records
   * its items in the same one); `idempotencyKeys` (certificate id → key) make a repeat fail
   * instead of issuing twice. The caller queues them afterwards with `afterRenewals`.
   */
  async renewalsWithin(
    actor: Actor,
    ids: string[],
    tx: Prisma.TransactionClient,
    traceparent?: string,
    idempotencyKeys?: ReadonlyMap<string, string>,
  ) {
    const planned = planRenewals(ids, await this.repo.lockRenewalCandidates(ids, OPEN_ISSUING, tx), idempotencyKeys);
    if (planned.rows.length) {
      await this.repo.insertRenewalJobs(planned.rows, actor, traceparent, tx);
      await this.certs.markRenewalInProgress(
        planned.rows.map((r) => r.certificateId),
        statusesLeadingTo('renewal_in_progress'),
        tx,
      );
    }
    return planned;
  }

  /** Queue entries and renewal-requested events of jobs created by `renewalsWithin`. */
  async afterRenewals(actor: Actor, jobs: { certificate_id: string; job_id: string; status: string }[], traceparent?: string) {
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
    await this.repo.transaction(async (tx) => {
      const status = await this.repo.lockStatus(id, tx);
      if (status === 'archived') return;
      assertCertificateTransition(id, status, 'archived');
      await this.repo.markArchived(id, tx);
      await this.repo.cancelWaitingJobs(id, `certificate archived by ${actor.principal}`, tx);
    });
    await this.rpc.emit(LifecycleEvents.certificateUpdated, { certificate_id: id, actor: actor.principal, fields: ['status'] });
    return { id, status: 'archived' };
  }

  async stats(): Promise<RpcResponse<typeof LifecycleRpc.statsSummary>> {
    const counts = await this.repo.counts(Date.now());
    const byStatus = (rows: { status: string; count: number }[]) => Object.fromEntries(rows.map((r) => [r.status, r.count]));
    const agents = byStatus(counts.agentsByStatus);
    return {
      certificates: {
        total: counts.certificatesByStatus.reduce((total, r) => total + r.count, 0),
        by_status: byStatus(counts.certificatesByStatus),
      },
      expiring: { within_7_days: counts.expiringWithin7Days, within_30_days: counts.expiringWithin30Days },
      jobs: { by_status: byStatus(counts.jobsByStatus) },
      agents: { online: agents.online ?? 0, offline: agents.offline ?? 0, retired: agents.retired ?? 0 },
    };
  }
}

/**
 * Which certificates get a renewal job and which are skipped (missing, revoked, archived or
 * already being (re)issued), in the order asked.
 */
export function planRenewals(ids: string[], candidates: RenewalCandidate[], idempotencyKeys?: ReadonlyMap<string, string>) {
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const skipped: Skipped[] = [];
  const jobs: RenewalJob[] = [];
  const rows: RenewalJobRow[] = [];
  for (const id of ids) {
    const cert = byId.get(id);
    if (!cert) skipped.push({ certificate_id: id, reason: 'not found' });
    else if (NOT_RENEWABLE.has(cert.status)) skipped.push({ certificate_id: id, reason: `status is ${cert.status}` });
    else if (cert.busy) skipped.push({ certificate_id: id, reason: BUSY_REASON });
    else {
      const status = initialJobStatus(cert.profile);
      const jobId = newId('job');
      const idempotencyKey = idempotencyKeys?.get(id) ?? null;
      rows.push({ id: jobId, status, certificateId: id, agentId: cert.agentId, maxAttempts: cert.maxRetries, idempotencyKey });
      jobs.push({ certificate_id: id, job_id: jobId, status });
    }
  }
  return { rows, jobs, skipped };
}
