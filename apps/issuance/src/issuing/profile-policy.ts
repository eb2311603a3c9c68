import { ConfigRpc } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { type LeafPolicy, PkiError, pkiErrorToAppError } from '@certctl/pki';
import type { z } from 'zod';

type Profile = z.infer<typeof ConfigRpc.profile.dto>;

const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);

/** A certificate profile as the signer's policy (inventory's rules, checked again at signing). */
export function policyOfProfile(p: Profile): LeafPolicy {
  const san = p.san_rules ?? {};
  return {
    allowedKeyAlgorithms: p.allowed_key_algorithms.map((a) => ({ algorithm: a.algorithm, minSize: a.min_size })),
    maxValidityDays: p.max_validity_days,
    ...(p.max_validity_seconds != null ? { maxValiditySeconds: p.max_validity_seconds } : {}),
    ekus: p.ekus,
    san: {
      allowWildcards: bool(san.allow_wildcards),
      allowIp: bool(san.allow_ip),
      allowEmail: bool(san.allow_email),
      allowUri: bool(san.allow_uri),
      maxSans: typeof san.max_sans === 'number' ? san.max_sans : undefined,
      dnsSuffixes: Array.isArray(san.dns_suffixes) ? san.dns_suffixes.filter((s): s is string => typeof s === 'string') : undefined,
    },
  };
}

const TTL_MS = 5_000;

/** Profiles fetched from inventory for the signer, cached a few seconds (a bulk renewal shares one profile). */
export class ProfilePolicies {
  private readonly cache = new Map<string, { at: number; policy: Promise<LeafPolicy> }>();

  constructor(private readonly rpc: RpcClient) {}

  of(profileId: string | null | undefined): Promise<LeafPolicy | undefined> {
    if (!profileId) return Promise.resolve(undefined);
    const hit = this.cache.get(profileId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.policy;
    const policy = this.rpc.request(ConfigRpc.profile.get, { id: profileId }).then(policyOfProfile);
    this.cache.set(profileId, { at: Date.now(), policy });
    policy.catch(() => this.cache.delete(profileId));
    return policy;
  }
}

/** A signer refusal (name constraints, profile, bad CSR) is deterministic: the job fails at once with the reason. */
export function signingRefusal(err: unknown): unknown {
  return err instanceof PkiError ? pkiErrorToAppError(err) : err;
}
