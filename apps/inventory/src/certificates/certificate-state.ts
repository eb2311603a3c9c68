import { AppError, type CertificateStatus } from '@certctl/contracts';

/**
 * Every allowed certificate status change, in one table. `active → active` is a new
 * version replacing the current one; Expiring/Expired are set by the expiry scan.
 * `revoked → revoked` changes the reason (a hold escalated to keyCompromise, say);
 * `revoked → active` is only the lifting of a certificateHold (removeFromCRL); an
 * archived certificate can still be revoked (its key may leak after it was retired).
 */
export const CERTIFICATE_TRANSITIONS: Readonly<Record<CertificateStatus, readonly CertificateStatus[]>> = {
  pending: ['active', 'failed', 'revoked', 'archived'],
  active: ['active', 'expiring', 'expired', 'renewal_in_progress', 'revoked', 'archived'],
  expiring: ['active', 'expired', 'renewal_in_progress', 'revoked', 'archived'],
  expired: ['active', 'renewal_in_progress', 'revoked', 'archived'],
  renewal_in_progress: ['active', 'failed', 'revoked', 'archived'],
  failed: ['active', 'renewal_in_progress', 'revoked', 'archived'],
  revoked: ['revoked', 'active', 'archived'],
  archived: ['revoked'],
};

export function canMoveCertificate(from: CertificateStatus, to: CertificateStatus): boolean {
  return CERTIFICATE_TRANSITIONS[from].includes(to);
}

export function assertCertificateTransition(id: string, from: CertificateStatus, to: CertificateStatus): void {
  if (!canMoveCertificate(from, to)) throw new AppError('illegal_transition', `certificate ${id} cannot go from ${from} to ${to}`);
}

/** The statuses from which `to` may be reached: for set-based updates (WHERE status IN ...). */
export function statusesLeadingTo(to: CertificateStatus): CertificateStatus[] {
  return (Object.keys(CERTIFICATE_TRANSITIONS) as CertificateStatus[]).filter((from) => CERTIFICATE_TRANSITIONS[from].includes(to));
}
