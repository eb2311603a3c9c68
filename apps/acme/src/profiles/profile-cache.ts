import { Inject, Injectable } from '@nestjs/common';
import { AppError, ConfigRpc } from '@certctl/contracts';
import type { SanRules } from '@certctl/pki';
import { RpcClient } from '@certctl/messaging';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import { AcmeError } from '../protocol/errors';

export interface AcmeProfile {
  id: string;
  authMode: 'challenge' | 'trust_authenticated';
  eabRequired: boolean;
  /** Identifiers that cannot be public DNS names are accepted (see isInternalName). */
  allowInternalNames: boolean;
  allowedKeyAlgorithms: { algorithm: string; min_size: number }[];
  sanRules: SanRules;
  isDefault: boolean;
}

const TTL_MS = 30_000;
const MAX_UNKNOWN = 10_000;

const noProfile = (id: string) => new AcmeError('malformed', `there is no ACME profile ${JSON.stringify(id)}`, { status: 404 });

/** Certificate profiles as the ACME service sees them (inventory owns them), cached for 30 s. */
@Injectable()
export class ProfileCache {
  private readonly cache = new Map<string, { at: number; profile: Promise<AcmeProfile> }>();
  /** Ids inventory said do not exist, and when: a flood of made-up profile URLs costs no RPC each. */
  private readonly unknown = new Map<string, number>();

  constructor(
    private readonly rpc: RpcClient,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {}

  get defaultId(): string {
    return this.config.CERTCTL_ACME_DEFAULT_PROFILE_ID;
  }

  /** The profile, or `malformed` 404 when it does not exist (so a wrong directory URL is plain). */
  async get(id: string): Promise<AcmeProfile> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.profile;
    const missed = this.unknown.get(id);
    if (missed !== undefined && Date.now() - missed < this.config.CERTCTL_ACME_UNKNOWN_PROFILE_CACHE_MS) throw noProfile(id);
    const profile = this.load(id);
    this.cache.set(id, { at: Date.now(), profile });
    profile.catch((err: unknown) => {
      this.cache.delete(id);
      if (err instanceof AcmeError && err.status === 404 && this.config.CERTCTL_ACME_UNKNOWN_PROFILE_CACHE_MS > 0) {
        if (this.unknown.size >= MAX_UNKNOWN) this.unknown.delete(this.unknown.keys().next().value as string);
        this.unknown.set(id, Date.now());
      }
    });
    return profile;
  }

  private async load(id: string): Promise<AcmeProfile> {
    try {
      const p = await this.rpc.request(ConfigRpc.profile.get, { id });
      return {
        id: p.id,
        authMode: p.acme_auth_mode,
        eabRequired: p.acme_eab_required,
        allowInternalNames: p.allow_internal_names,
        allowedKeyAlgorithms: p.allowed_key_algorithms,
        sanRules: p.san_rules as SanRules,
        isDefault: p.id === this.defaultId,
      };
    } catch (err) {
      if (err instanceof AppError && (err.code === 'not_found' || err.code === 'validation_failed')) {
        throw noProfile(id);
      }
      throw err;
    }
  }
}
