import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  type CampaignDto,
  type FieldError,
  type RpcRequestParsed,
  type RpcResponse,
  InventoryReissuance,
  IssuanceIssuer,
  type IssuerTreeNode,
  Rpc,
  campaignRevokeReasonSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { campaignProgress } from './reissuance-progress';
import {
  type CampaignRow,
  type ItemRow,
  MAX_CAMPAIGN_SIZE,
  ReissuanceRepository,
  type SelectedCertificate,
  type Selector,
} from './reissuance.repository';
import { type CampaignStatus, type ItemStatus, OPEN_ITEM_STATUSES, assertCampaignTransition, retryFrom } from './reissuance-state';

type CreateRequest = RpcRequestParsed<typeof InventoryReissuance.create>;
type ActionRequest = RpcRequestParsed<typeof InventoryReissuance.act>;
const DRY_RUN_LISTED = 1000;
const RATE_WINDOW_MS = 5 * 60000;
const ACTION_TARGET: Record<ActionRequest['action'], CampaignStatus> = { pause: 'paused', resume: 'running', cancel: 'cancelled' };

/** Re-issuance campaigns as operators see them: create (or dry-run), read with progress, pause, resume, cancel, retry. */
@Injectable()
export class ReissuanceService {
  constructor(
    private readonly repo: ReissuanceRepository,
    private readonly rpc: RpcClient,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async create({ actor, body }: CreateRequest): Promise<RpcResponse<typeof InventoryReissuance.create>> {
    const tree = await this.checkReferences(body);
    const asked = {
      issuer_id: body.issuer_id,
      key_algorithm: body.key_algorithm,
      key_size: body.key_size,
      profile_id: body.profile_id,
      ids: body.ids,
    };
    const selector: Selector = { ...asked, issuer_ids: tree };
    const selected = await this.repo.select(selector, body.dry_run ? DRY_RUN_LISTED : MAX_CAMPAIGN_SIZE + 1);
    const rate = body.rate_per_minute ?? this.config.CERTCTL_REISSUANCE_DEFAULT_RATE_PER_MINUTE;
    if (body.dry_run) {
      const total = selected.length < DRY_RUN_LISTED ? selected.length : (await this.repo.select(selector, MAX_CAMPAIGN_SIZE + 1)).length;
      return {
        dry_run: true,
        total,
        rate_per_minute: rate,
        estimated_seconds: Math.ceil((total / rate) * 60),
        items: selected.map((c) => ({
          ...dryRunItem(c, body),
          certificate_id: c.id,
          name: c.name,
          issuer_id: c.issuer_id,
          serial_number: c.serial_number,
        })),
      };
    }
    if (selected.length > MAX_CAMPAIGN_SIZE)
      throw AppError.validation([
        { field: 'issuer_id', message: `the selection matches more than ${MAX_CAMPAIGN_SIZE} certificates; narrow it` },
      ]);
    if (!selected.length)
      throw AppError.validation([{ field: 'issuer_id', message: 'the selection matches no live certificate with an issued version' }]);
    const id = await this.repo.insertCampaign(
      {
        selector: JSON.parse(JSON.stringify(asked)) as object,
        newIssuerId: body.new_issuer_id ?? null,
        revokeOld: body.revoke_old,
        forceRevoke: body.force_revoke,
        ratePerMinute: rate,
        createdBy: actor.principal,
      },
      selected.map((c) => c.id),
    );
    getLogger().info({ campaign_id: id, actor: actor.principal, total: selected.length, rate }, 're-issuance campaign created');
    return this.get(id);
  }

  /** The issuer subtree to select from (issuance answers it); a 422 naming each reference that does not exist. */
  private async checkReferences(body: CreateRequest['body']): Promise<string[] | undefined> {
    const missing: FieldError[] = [];
    const absent = (field: string, what: string, ref: string) =>
      missing.push({ field, message: `${what} ${JSON.stringify(ref)} does not exist` });
    let tree: string[] | undefined;
    if (body.issuer_id) {
      const root = await this.rpc.request(IssuanceIssuer.hierarchy, { id: body.issuer_id }).catch(notFoundAsNull);
      if (root) tree = flatten(root);
      else absent('issuer_id', 'issuer', body.issuer_id);
    }
    if (body.new_issuer_id && !(await this.rpc.request(Rpc.issuance.issuerGet, { id: body.new_issuer_id }).catch(notFoundAsNull)))
      absent('new_issuer_id', 'issuer', body.new_issuer_id);
    if (body.profile_id && !(await this.repo.profileExists(body.profile_id))) absent('profile_id', 'profile', body.profile_id);
    if (missing.length) throw AppError.validation(missing, 'The campaign references resources that do not exist.');
    return tree;
  }

  async get(id: string): Promise<CampaignDto> {
    const row = await this.repo.find(id);
    if (!row) throw AppError.notFound('re-issuance campaign', id);
    return this.toDto(row);
  }

  async list(query: RpcRequestParsed<typeof InventoryReissuance.list>): Promise<RpcResponse<typeof InventoryReissuance.list>> {
    const rows = await this.repo.list(query.limit, query.status);
    return { data: await Promise.all(rows.map((row) => this.toDto(row))) };
  }

  /** pause (running → paused), resume (paused → running), cancel (open items cancelled). */
  async act({ actor, id, action }: ActionRequest): Promise<CampaignDto> {
    const row = await this.repo.find(id);
    if (!row) throw AppError.notFound('re-issuance campaign', id);
    const to = ACTION_TARGET[action];
    assertCampaignTransition(id, row.status as CampaignStatus, to);
    if (!(await this.repo.setStatus(id, [row.status as CampaignStatus], to)))
      throw new AppError('conflict', `re-issuance campaign ${id} changed meanwhile; read it again`);
    if (to === 'cancelled') await this.repo.cancelOpenItems(id, OPEN_ITEM_STATUSES);
    getLogger().info({ campaign_id: id, actor: actor.principal, action }, 're-issuance campaign changed');
    return this.get(id);
  }

  async items(req: RpcRequestParsed<typeof InventoryReissuance.items>): Promise<RpcResponse<typeof InventoryReissuance.items>> {
    if (!(await this.repo.find(req.id))) throw AppError.notFound('re-issuance campaign', req.id);
    const rows = await this.repo.items(req.id, req.limit + 1, req.status, req.cursor);
    const page = rows.slice(0, req.limit);
    return { data: page.map(toItemDto), next_cursor: rows.length > req.limit ? page[page.length - 1].id : null };
  }

  /** A failed item goes back where it failed; a completed campaign runs again for it; 409 unless failed or when cancelled. */
  async retryItem({ actor, id, item_id }: RpcRequestParsed<typeof InventoryReissuance.retryItem>) {
    const campaign = await this.repo.find(id);
    if (!campaign) throw AppError.notFound('re-issuance campaign', id);
    const item = await this.repo.findItem(id, item_id);
    if (!item) throw AppError.notFound('re-issuance item', item_id);
    if (campaign.status === 'cancelled') throw new AppError('conflict', `re-issuance campaign ${id} is cancelled`);
    if (item.status !== 'failed')
      throw new AppError('conflict', `re-issuance item ${item_id} is ${item.status}; only a failed item can be retried`);
    if (!(await this.repo.retryItem(item_id, retryFrom(item, campaign))))
      throw new AppError('conflict', `re-issuance item ${item_id} changed meanwhile`);
    await this.repo.reopen(id);
    getLogger().info({ campaign_id: id, item_id, actor: actor.principal }, 're-issuance item retried');
    return toItemDto((await this.repo.findItem(id, item_id))!);
  }

  private async toDto(row: CampaignRow): Promise<CampaignDto> {
    const windowMs = Math.min(RATE_WINDOW_MS, Math.max(60000, Date.now() - row.createdAt.getTime()));
    const { counts, finishedInWindow } = await this.repo.counts(row.id, windowMs);
    return {
      id: row.id,
      status: row.status as CampaignStatus,
      selector: row.selector as Record<string, unknown>,
      new_issuer_id: row.newIssuerId,
      revoke_old: row.revokeOld ? campaignRevokeReasonSchema.parse(row.revokeOld) : null,
      force_revoke: row.forceRevoke,
      rate_per_minute: row.ratePerMinute,
      created_by: row.createdBy,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      completed_at: row.completedAt?.toISOString() ?? null,
      progress: campaignProgress({ counts, finishedInWindow, windowMinutes: windowMs / 60000, ratePerMinute: row.ratePerMinute }),
    };
  }
}

function notFoundAsNull(err: unknown): null {
  if (err instanceof AppError && err.code === 'not_found') return null;
  throw err;
}

/** Every issuer id of a tree, the root first. */
export function flatten(node: IssuerTreeNode): string[] {
  return [node.id, ...node.children.flatMap(flatten)];
}

function toItemDto(row: ItemRow) {
  return {
    id: row.id,
    certificate_id: row.certificateId,
    status: row.status as ItemStatus,
    old_serial: row.oldSerial,
    old_issuer_id: row.oldIssuerId,
    job_id: row.jobId,
    new_version_id: row.newVersionId,
    attempt: row.attempt,
    last_error: row.lastError,
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

/** What a campaign would do to one certificate, step by step. */
export function dryRunItem(c: SelectedCertificate, body: Pick<CreateRequest['body'], 'new_issuer_id' | 'revoke_old' | 'force_revoke'>) {
  const issuer = body.new_issuer_id ?? c.issuer_id;
  const steps = [`issue a replacement from ${issuer}`];
  steps.push(c.targets > 0 ? `deploy it to ${c.targets} target(s) through their agents` : 'no deployment target: nothing to deploy');
  steps.push('verify the replacement (issuer, validity, deployments)');
  if (body.revoke_old)
    steps.push(
      `revoke the old version ${c.serial_number ?? '?'} (${body.revoke_old}) ${body.force_revoke ? 'as soon as the replacement is issued' : 'after verification'}`,
    );
  return { new_issuer_id: issuer, steps };
}
