import type { Actor } from '@certctl/contracts';

/** Who requested a job, as recorded on its row. */
export interface JobRequester {
  requestedBy: string;
  requestedByKeyId: string | null;
  requestedByOwner: string | null;
}

/**
 * The two-person rule: the decider is the requester when it has the requester's principal,
 * is the requesting key, or belongs to the same owner (the key that, directly or through a
 * chain of keys it created, made both). An admin therefore cannot approve their own request
 * by minting a second key under another name. A requester recorded without key ids (a job
 * from before the rule, or from the platform itself) is compared by principal only.
 */
export function isSameRequester(job: JobRequester, decider: Actor): boolean {
  if (job.requestedBy === decider.principal) return true;
  const requester = new Set([job.requestedByKeyId, job.requestedByOwner].filter((v): v is string => !!v));
  return [decider.key_id, decider.owner_key_id].some((v) => v !== undefined && requester.has(v));
}
