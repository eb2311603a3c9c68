import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  type CreateEnrollmentProfileBody,
  type EnrollmentProfileDto,
  type EnrollmentProfileInternal,
  type EnrollmentProtocol,
  InventoryEnrollment,
  Rpc,
  type RpcRequestParsed,
  type UpdateEnrollmentProfileBody,
} from '@certctl/contracts';
import { decodeIdCursor, encodeIdCursor, newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { type EnrollmentProfileRow, EnrollmentProfileRepository } from './enrollment-profile.repository';
import { settingsInternal, settingsToStore, settingsView } from './enrollment-settings';

type Json = Record<string, unknown>;
interface Actor {
  principal: string;
}

/** The label a protocol edge serves at its root (`/.well-known/est/`, `/scep`) when there are several profiles. */
export const DEFAULT_LABEL = 'default';

/**
 * EST and SCEP enrollment profiles: admin CRUD (secrets hashed or sealed, answered masked) and
 * the lookup the protocol edges make (secrets usable).
 */
@Injectable()
export class EnrollmentProfileService {
  private readonly box: SecretBox;

  constructor(
    private readonly repo: EnrollmentProfileRepository,
    private readonly rpc: RpcClient,
    @Inject(INVENTORY_CONFIG) config: InventoryConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  async create(actor: Actor, body: CreateEnrollmentProfileBody) {
    await this.checkReferences(body);
    const id = newId('enp');
    const settings = await this.storeSettings(id, body.protocol, body.settings as Json, null);
    const row = await this.repo.insert({
      id,
      protocol: body.protocol,
      label: body.label,
      profileId: body.profile_id,
      issuerId: body.issuer_id,
      ownerId: body.owner_id,
      teamId: body.team_id,
      renewalPolicyId: body.renewal_policy_id,
      enabled: body.enabled,
      settings: settings as object,
      createdBy: actor.principal,
    });
    getLogger().info({ id, protocol: row.protocol, label: row.label, actor: actor.principal }, 'enrollment profile created');
    return toDto(row);
  }

  async get(id: string) {
    return toDto(await this.row(id));
  }

  async list(query: RpcRequestParsed<typeof InventoryEnrollment.profileList>) {
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const rows = await this.repo.list(query.protocol, after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      data: page.map(toDto),
      next_cursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1].id) : null,
    };
  }

  async update(actor: Actor, id: string, body: UpdateEnrollmentProfileBody) {
    const previous = await this.row(id);
    await this.checkReferences(body);
    const protocol = previous.protocol as EnrollmentProtocol;
    const settings = body.settings ? await this.storeSettings(id, protocol, body.settings as Json, previous.settings as Json) : undefined;
    const row = await this.repo.update(id, {
      label: body.label,
      profileId: body.profile_id,
      issuerId: body.issuer_id,
      ownerId: body.owner_id,
      teamId: body.team_id,
      renewalPolicyId: body.renewal_policy_id,
      enabled: body.enabled,
      ...(settings ? { settings: settings as object } : {}),
    });
    if (!row) throw AppError.notFound('enrollment profile', id);
    getLogger().info({ id, actor: actor.principal }, 'enrollment profile updated');
    return toDto(row);
  }

  async delete(actor: Actor, id: string) {
    if (!(await this.repo.delete(id))) throw AppError.notFound('enrollment profile', id);
    getLogger().info({ id, actor: actor.principal }, 'enrollment profile deleted');
    return { id, deleted: true as const };
  }

  /**
   * The enabled profile a protocol edge serves at `label`; without a label, the one labelled
   * `default`, else the protocol's only profile. 404 when there is none, 409 when it is disabled.
   */
  async resolve(protocol: EnrollmentProtocol, label: string | undefined): Promise<EnrollmentProfileInternal> {
    const row = label ? await this.repo.findByLabel(protocol, label) : await this.defaultProfile(protocol);
    if (!row) throw AppError.notFound(`${protocol} enrollment profile`, label ?? DEFAULT_LABEL);
    if (!row.enabled) throw new AppError('conflict', `${protocol} enrollment profile ${row.label} is disabled`);
    return { ...common(row), protocol, settings: settingsInternal(this.box, row.id, protocol, row.settings) } as EnrollmentProfileInternal;
  }

  /** The profile row, enabled or not; 404 when unknown. */
  async row(id: string): Promise<EnrollmentProfileRow> {
    const row = await this.repo.findById(id);
    if (!row) throw AppError.notFound('enrollment profile', id);
    return row;
  }

  private async defaultProfile(protocol: EnrollmentProtocol): Promise<EnrollmentProfileRow | null> {
    const named = await this.repo.findByLabel(protocol, DEFAULT_LABEL);
    if (named) return named;
    const some = await this.repo.firstTwo(protocol);
    return some.length === 1 ? some[0] : null;
  }

  private async storeSettings(id: string, protocol: EnrollmentProtocol, incoming: Json, previous: Json | null): Promise<Json> {
    const out = await settingsToStore(this.box, id, protocol, incoming, previous);
    if (out.problems.length) throw AppError.validation(out.problems, `The ${protocol} settings are incomplete or invalid.`);
    return out.settings;
  }

  private async issuerExists(id: string): Promise<boolean> {
    try {
      await this.rpc.request(Rpc.issuance.issuerGet, { id });
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return false;
      throw err;
    }
  }

  private async checkReferences(body: UpdateEnrollmentProfileBody): Promise<void> {
    const missing = await this.repo.missingReferences(body);
    if (body.issuer_id && !(await this.issuerExists(body.issuer_id)))
      missing.push({ field: 'issuer_id', message: `${JSON.stringify(body.issuer_id)} does not exist` });
    if (missing.length) throw AppError.validation(missing, 'The request references resources that do not exist.');
  }
}

function common(row: EnrollmentProfileRow) {
  return {
    id: row.id,
    label: row.label,
    profile_id: row.profileId,
    issuer_id: row.issuerId,
    owner_id: row.ownerId,
    team_id: row.teamId,
    renewal_policy_id: row.renewalPolicyId,
    enabled: row.enabled,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toDto(row: EnrollmentProfileRow): EnrollmentProfileDto {
  const protocol = row.protocol as EnrollmentProtocol;
  return { ...common(row), protocol, settings: settingsView(protocol, row.settings) } as EnrollmentProfileDto;
}
