import { AppError } from '@certctl/contracts';

export type CampaignStatus = 'running' | 'paused' | 'completed' | 'cancelled';
export type ItemStatus = 'pending' | 'renewing' | 'deploying' | 'revoking' | 'done' | 'failed' | 'cancelled';

/** Every allowed campaign status change (operators pause, resume, cancel; the driver completes). */
export const CAMPAIGN_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  running: ['paused', 'cancelled', 'completed'],
  paused: ['running', 'cancelled'],
  /** A retried item reopens a completed campaign. */
  completed: ['running'],
  cancelled: [],
};

/**
 * Every allowed item status change. Without force_revoke: pending → renewing (a renewal job) →
 * deploying (replacement issued, deployments and verification) → revoking (the old version) →
 * done. With force_revoke the old version is revoked as soon as the replacement is issued:
 * renewing → revoking → deploying → done. A retry puts a failed item back where it failed.
 */
export const ITEM_TRANSITIONS: Readonly<Record<ItemStatus, readonly ItemStatus[]>> = {
  pending: ['renewing', 'failed', 'cancelled'],
  renewing: ['deploying', 'revoking', 'failed', 'cancelled'],
  deploying: ['revoking', 'done', 'failed', 'cancelled'],
  revoking: ['deploying', 'done', 'failed', 'cancelled'],
  failed: ['pending', 'deploying', 'revoking'],
  done: [],
  cancelled: [],
};

/** Items the driver still has to move. */
export const OPEN_ITEM_STATUSES: readonly ItemStatus[] = ['pending', 'renewing', 'deploying', 'revoking'];

export function assertCampaignTransition(id: string, from: CampaignStatus, to: CampaignStatus): void {
  if (!CAMPAIGN_TRANSITIONS[from].includes(to)) {
    throw new AppError('illegal_transition', `re-issuance campaign ${id} cannot go from ${from} to ${to}`);
  }
}

export function assertItemTransition(id: string, from: ItemStatus, to: ItemStatus): void {
  if (!ITEM_TRANSITIONS[from].includes(to)) {
    throw new AppError('illegal_transition', `re-issuance item ${id} cannot go from ${from} to ${to}`);
  }
}

/** Where an issued replacement goes next: forced → revoke the old one first, else deploy and verify. */
export function afterIssued(forceRevoke: boolean, revokeOld: string | null): ItemStatus {
  return forceRevoke && revokeOld ? 'revoking' : 'deploying';
}

/** Where a verified replacement goes next: revoke the old version (unless already done when forced) or finish. */
export function afterVerified(forceRevoke: boolean, revokeOld: string | null): ItemStatus {
  return revokeOld && !forceRevoke ? 'revoking' : 'done';
}

/** Where an item goes after its old version is revoked: forced → still to deploy and verify, else done. */
export function afterRevoked(forceRevoke: boolean): ItemStatus {
  return forceRevoke ? 'deploying' : 'done';
}

/**
 * Where a retried failed item restarts: from a new renewal when no replacement was issued;
 * forced, at the revocation (idempotent when it had already happened); else at verification.
 */
export function retryFrom(item: { newVersionId: string | null }, campaign: { forceRevoke: boolean; revokeOld: string | null }) {
  if (!item.newVersionId) return 'pending' as const;
  return campaign.forceRevoke && campaign.revokeOld ? ('revoking' as const) : ('deploying' as const);
}
