import type { Principal } from './principal';

/**
 * Whose key a new key is, for the two-person rule. A root key (one no key created: the
 * bootstrap key) provisions people: each key it creates is its own owner. Any other key
 * passes its own owner on, so every key made from a person's key, however deep the chain,
 * counts as that person and cannot approve what the others request.
 */
export function ownerForNewKey(newKeyId: string, creator: Pick<Principal, 'key_id' | 'created_by' | 'owner_key_id'> | null): string {
  if (!creator || creator.created_by === null) return newKeyId;
  return creator.owner_key_id;
}
