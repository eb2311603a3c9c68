/** A status word as a badge whose colour follows the status family (ok, warn, bad, neutral). */
const FAMILY: Record<string, string> = {
  active: 'ok',
  completed: 'ok',
  online: 'ok',
  sent: 'ok',
  expiring: 'warn',
  pending: 'neutral',
  awaiting_approval: 'warn',
  awaiting_csr: 'warn',
  awaiting_ca: 'warn',
  running: 'neutral',
  renewal_in_progress: 'neutral',
  queued: 'neutral',
  expired: 'bad',
  failed: 'bad',
  revoked: 'bad',
  offline: 'bad',
  dead: 'bad',
  enabled: 'ok',
  disabled: 'neutral',
  healthy: 'ok',
  degraded: 'warn',
  down: 'bad',
  cert_mismatch: 'bad',
  unmanaged: 'warn',
  managed: 'ok',
  dismissed: 'neutral',
  valid: 'ok',
  ready: 'neutral',
  invalid: 'bad',
  deactivated: 'neutral',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${FAMILY[status] ?? 'neutral'}`}>{status.replace(/_/g, ' ')}</span>;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  return new Date(value).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
