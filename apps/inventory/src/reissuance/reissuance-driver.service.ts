import { Injectable } from '@nestjs/common';
import { AppError, type RevocationReason, RevocationCertificate } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { BUSY_REASON, CertificateLifecycleService } from '../certificates/certificate-lifecycle.service';
import { ReissuanceDriverRepository, type DeployingItem, type StartedItem } from './reissuance-driver.repository';
import type { CampaignRow } from './reissuance.repository';
import { START_WINDOW_MS, startBudget } from './reissuance-progress';
import { OPEN_ITEM_STATUSES, afterIssued, afterRevoked, afterVerified } from './reissuance-state';

const itemsTotal = counter('certctl_reissuance_items_total', 'Re-issuance campaign items by outcome', ['outcome']);
/** At most this many items started, advanced or revoked per campaign and round. */
const BATCH = 1000;
const REVOKE_BATCH = 200;
const REVOKE_CONCURRENCY = 8;
/** Failures that a later round would meet again: the item fails (an operator may retry it). */
const PERMANENT = new Set(['not_found', 'conflict', 'validation_failed', 'illegal_transition', 'forbidden', 'bad_request']);

type PhaseResult = { started?: number; advanced?: number; revoked?: number; failed: number };

export interface TickSummary {
  campaigns: number;
  started: number;
  advanced: number;
  revoked: number;
  failed: number;
}

/**
 * One round of every running campaign (the scheduler's reissuance loop calls it under its
 * lease): start pending items within the campaign's rate through the ordinary renewal path
 * (each renewal job carries the idempotency key reissue:<item>:<attempt>, created in the same
 * transaction that moves the item, so a repeated round never issues twice), then move items
 * whose renewal, deployments or revocation finished. All state is in the database: a round
 * after any restart carries on where the last one stopped.
 */
@Injectable()
export class ReissuanceDriver {
  constructor(
    private readonly repo: ReissuanceDriverRepository,
    private readonly lifecycle: CertificateLifecycleService,
    private readonly rpc: RpcClient,
  ) {}

  async tick(): Promise<TickSummary> {
    const summary: TickSummary = { campaigns: 0, started: 0, advanced: 0, revoked: 0, failed: 0 };
    for (const campaign of await this.repo.running()) {
      summary.campaigns++;
      // Each phase first checks that the campaign is still running: a pause or cancel that lands
      // during a round stops it at the next phase.
      const phases: (() => Promise<PhaseResult>)[] = [
        () => this.start(campaign),
        () => this.advanceRenewing(campaign),
        () => this.advanceDeploying(campaign),
        () => this.revoke(campaign),
      ];
      for (const phase of phases) {
        if (!(await this.repo.isRunning(campaign.id))) break;
        const out = await phase();
        summary.started += out.started ?? 0;
        summary.advanced += out.advanced ?? 0;
        summary.revoked += out.revoked ?? 0;
        summary.failed += out.failed;
      }
      if ((await this.repo.openItems(campaign.id, OPEN_ITEM_STATUSES)) === 0 && (await this.repo.completeIfRunning(campaign.id)))
        getLogger().info({ campaign_id: campaign.id }, 're-issuance campaign completed');
    }
    return summary;
  }

  /** Renewal jobs for the next pending items the campaign's rate allows, with the items moved in the same transaction. */
  private async start(campaign: CampaignRow): Promise<PhaseResult> {
    const budget = startBudget(
      campaign.ratePerMinute,
      await this.repo.startedSince(campaign.id, new Date(Date.now() - START_WINDOW_MS)),
      BATCH,
    );
    if (budget === 0) return { started: 0, failed: 0 };
    const actor = { principal: campaign.createdBy };
    const { jobs, failed } = await this.repo.transaction(async (tx) => {
      const items = await this.repo.lockPending(campaign.id, budget, tx);
      if (!items.length) return { jobs: [], failed: 0 };
      const ids = items.map((i) => i.certificate_id);
      const keys = new Map(items.map((i) => [i.certificate_id, `reissue:${i.id}:${i.attempt}`]));
      const versions = new Map((await this.repo.currentVersions(ids, tx)).map((v) => [v.certificate_id, v]));
      const planned = await this.lifecycle.renewalsWithin(actor, ids, tx, undefined, keys);
      const renewed = planned.jobs.map((j) => j.certificate_id);
      if (campaign.newIssuerId && renewed.length) await this.repo.moveToIssuer(renewed, campaign.newIssuerId, tx);
      const itemOf = new Map(items.map((i) => [i.certificate_id, i.id]));
      const started: StartedItem[] = planned.jobs.map((j) => {
        const old = versions.get(j.certificate_id);
        const itemId = itemOf.get(j.certificate_id)!;
        return {
          itemId,
          jobId: j.job_id,
          oldVersionId: old?.version_id ?? null,
          oldSerial: old?.serial_number ?? null,
          oldIssuerId: old?.issuer_id ?? null,
        };
      });
      await this.repo.markStarted(started, tx);
      // Busy certificates stay pending for a later round; missing, revoked or archived ones fail.
      let refused = 0;
      for (const skip of planned.skipped.filter((s) => s.reason !== BUSY_REASON))
        refused += await this.repo.move(
          [itemOf.get(skip.certificate_id)!],
          'pending',
          'failed',
          { lastError: `not renewed: ${skip.reason}` },
          tx,
        );
      return { jobs: planned.jobs, failed: refused };
    });
    if (jobs.length) await this.lifecycle.afterRenewals(actor, jobs);
    itemsTotal.inc({ outcome: 'started' }, jobs.length);
    return { started: jobs.length, failed };
  }

  /** Finished renewal jobs: the replacement is issued (→ deploying, or revoking when forced), or the item failed. */
  private async advanceRenewing(campaign: CampaignRow): Promise<{ advanced: number; failed: number }> {
    const rows = await this.repo.renewing(campaign.id, BATCH);
    const issued = rows.filter((r) => r.job_status === 'completed' && r.version_id).map((r) => ({ id: r.id, versionId: r.version_id! }));
    await this.repo.markIssued(issued, afterIssued(campaign.forceRevoke, campaign.revokeOld));
    let failed = 0;
    for (const r of rows.filter((row) => !(row.job_status === 'completed' && row.version_id))) {
      failed += await this.repo.move([r.id], 'renewing', 'failed', {
        lastError: `renewal job ${r.job_status}: ${r.last_error ?? 'no version stored'}`,
      });
    }
    itemsTotal.inc({ outcome: 'issued' }, issued.length);
    itemsTotal.inc({ outcome: 'failed' }, failed);
    return { advanced: issued.length, failed };
  }

  /** Issued replacements whose deployments all finished are verified (issuer, validity), then go on to revocation or done. */
  private async advanceDeploying(campaign: CampaignRow): Promise<{ advanced: number; failed: number }> {
    const rows = await this.repo.deploying(campaign.id, BATCH);
    const next = afterVerified(campaign.forceRevoke, campaign.revokeOld);
    const verified: string[] = [];
    let failed = 0;
    for (const row of rows) {
      if (row.open > 0) continue;
      const problem = verificationProblem(row, campaign.newIssuerId);
      if (problem) failed += await this.repo.move([row.id], 'deploying', 'failed', { lastError: problem });
      else verified.push(row.id);
    }
    const advanced = await this.repo.move(verified, 'deploying', next);
    itemsTotal.inc({ outcome: 'verified' }, advanced);
    itemsTotal.inc({ outcome: 'failed' }, failed);
    return { advanced, failed };
  }

  /** The old versions, revoked through the revocation service (idempotent: a repeat answers the same revocation). */
  private async revoke(campaign: CampaignRow): Promise<{ revoked: number; failed: number }> {
    if (!campaign.revokeOld) return { revoked: 0, failed: 0 };
    const rows = await this.repo.revoking(campaign.id, REVOKE_BATCH);
    const next = afterRevoked(campaign.forceRevoke);
    let revoked = 0;
    let failed = 0;
    for (let i = 0; i < rows.length; i += REVOKE_CONCURRENCY) {
      await Promise.all(
        rows.slice(i, i + REVOKE_CONCURRENCY).map(async (row) => {
          try {
            if (row.old_serial) {
              await this.rpc.request(
                RevocationCertificate.revoke,
                {
                  // Services sign only their own principals on the bus; the campaign's creator is in its audit row.
                  actor: { principal: `inventory:reissuance:${campaign.id}`, role: 'system' },
                  certificate_id: row.certificate_id,
                  reason: campaign.revokeOld as RevocationReason,
                  serial_number: row.old_serial,
                  issuer_id: row.old_issuer_id ?? undefined,
                },
                { timeoutMs: 30000 },
              );
            }
            revoked += await this.repo.move([row.id], 'revoking', next);
          } catch (err) {
            const code = err instanceof AppError ? err.code : 'internal';
            if (PERMANENT.has(code))
              failed += await this.repo.move([row.id], 'revoking', 'failed', { lastError: `revocation: ${(err as Error).message}` });
            else
              getLogger().warn(
                { item_id: row.id, err: (err as Error).message },
                'revocation of a replaced version failed; next round retries',
              );
          }
        }),
      );
    }
    itemsTotal.inc({ outcome: 'revoked' }, revoked);
    return { revoked, failed };
  }
}

/** Why an issued replacement does not pass verification, or null when it does. */
export function verificationProblem(
  row: Pick<DeployingItem, 'failed' | 'error' | 'issuer_id' | 'not_after'>,
  newIssuerId: string | null,
  now = new Date(),
): string | null {
  if (row.failed > 0) return `deployment failed: ${row.error ?? 'no error recorded'}`;
  if (newIssuerId && row.issuer_id !== newIssuerId) return `replacement was issued by ${row.issuer_id}, not ${newIssuerId}`;
  if (row.not_after.getTime() <= now.getTime()) return 'replacement is already expired';
  return null;
}
