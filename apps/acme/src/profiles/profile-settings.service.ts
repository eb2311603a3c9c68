import { Inject, Injectable } from '@nestjs/common';
import {
  type AcmeRpc,
  type Actor,
  AppError,
  ConfigRpc,
  type FieldError,
  Rpc,
  type RpcRequestParsed,
  type RpcResponse,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import { type Landing, directoryMeta, landing, validationSettings } from './profile-defaults';
import { type ProfileOverrides, type ProfileSettingRow, ProfileSettingsRepository } from './profile-settings.repository';

type Body = RpcRequestParsed<typeof AcmeRpc.profileSetDefaults>['body'];
type Settings = RpcResponse<typeof AcmeRpc.profileGet>;

/** How long the directory may show a profile's landing ids after another replica changed them. */
const DIRECTORY_CACHE_MS = 5_000;

/** Per ACME profile: which issuer, owner, team and renewal policy its certificates land in. */
@Injectable()
export class ProfileSettingsService {
  private readonly cache = new Map<string, { at: number; row: Promise<ProfileSettingRow | null> }>();

  constructor(
    private readonly repository: ProfileSettingsRepository,
    private readonly rpc: RpcClient,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {}

  /** Where an order of this profile is recorded (read fresh: a finalize follows the latest settings). */
  async landing(profileId: string): Promise<Landing> {
    return landing(await this.repository.find(profileId), this.config);
  }

  /** The directory's `meta.certctl` of one profile. */
  async directoryMeta(profileId: string) {
    return directoryMeta(profileId, landing(await this.cached(profileId), this.config), this.config);
  }

  /** The profile's settings; `not_found` when inventory has no such profile. */
  async get(id: string): Promise<Settings> {
    const profile = await this.rpc.request(ConfigRpc.profile.get, { id });
    return this.describe(profile.id, profile.acme_eab_required, await this.repository.find(id));
  }

  /** Sets where the profile's certificates land; each id given must exist (422 naming the field). */
  async setDefaults(actor: Actor, id: string, body: Body): Promise<Settings> {
    const profile = await this.rpc.request(ConfigRpc.profile.get, { id });
    const problems = await this.missingReferences(body);
    if (problems.length)
      throw AppError.validation(problems, 'The ACME profile defaults reference resources that do not exist or cannot issue.');
    const overrides: ProfileOverrides = {
      issuerId: body.issuer_id,
      ownerId: body.owner_id,
      teamId: body.team_id,
      renewalPolicyId: body.renewal_policy_id,
    };
    const row = await this.repository.save(id, overrides, actor.principal);
    this.cache.delete(id);
    return this.describe(profile.id, profile.acme_eab_required, row);
  }

  private cached(profileId: string): Promise<ProfileSettingRow | null> {
    const hit = this.cache.get(profileId);
    if (hit && Date.now() - hit.at < DIRECTORY_CACHE_MS) return hit.row;
    const row = this.repository.find(profileId);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(profileId, { at: Date.now(), row });
    row.catch(() => this.cache.delete(profileId));
    return row;
  }

  private describe(id: string, eabRequired: boolean, row: ProfileSettingRow | null): Settings {
    return {
      profile_id: id,
      directory_path: `/acme/profile/${encodeURIComponent(id)}/directory`,
      is_default: id === this.config.CERTCTL_ACME_DEFAULT_PROFILE_ID,
      external_account_required: eabRequired,
      certificate_source: 'acme',
      defaults: landing(row, this.config),
      overrides: {
        issuer_id: row?.issuerId ?? null,
        owner_id: row?.ownerId ?? null,
        team_id: row?.teamId ?? null,
        renewal_policy_id: row?.renewalPolicyId ?? null,
      },
      validation: validationSettings(this.config),
      updated_by: row?.updatedBy ?? null,
      updated_at: row?.updatedAt.toISOString() ?? null,
    };
  }

  /** One field error per id that does not exist (or, for the issuer, is disabled). */
  private async missingReferences(body: Body): Promise<FieldError[]> {
    const checks: [keyof Body, string, (id: string) => Promise<unknown>][] = [
      ['issuer_id', 'issuer', (id) => this.enabledIssuer(id)],
      ['owner_id', 'owner', (id) => this.rpc.request(ConfigRpc.owner.get, { id })],
      ['team_id', 'team', (id) => this.rpc.request(ConfigRpc.team.get, { id })],
      ['renewal_policy_id', 'renewal policy', (id) => this.rpc.request(ConfigRpc.renewal_policy.get, { id })],
    ];
    const results = await Promise.all(
      checks.map(async ([field, what, get]): Promise<FieldError | null> => {
        const id = body[field];
        if (id === null) return null;
        try {
          await get(id);
          return null;
        } catch (err) {
          if (err instanceof AppError && err.code === 'not_found') return { field, message: `there is no ${what} ${JSON.stringify(id)}` };
          if (err instanceof AppError && err.code === 'validation_failed') return { field, message: err.message };
          throw err;
        }
      }),
    );
    return results.filter((r): r is FieldError => r !== null);
  }

  private async enabledIssuer(id: string): Promise<void> {
    const issuer = await this.rpc.request(Rpc.issuance.issuerGet, { id });
    if (!issuer.enabled) throw new AppError('validation_failed', `issuer ${JSON.stringify(id)} is disabled and cannot sign`);
  }
}
