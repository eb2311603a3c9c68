import { CERTIFICATE_TRANSITIONS } from './certificates/certificate-state';
import { HEALTH_TRANSITIONS } from './health-checks/health-state';
import { JOB_TRANSITIONS } from './jobs/job-state';
import { CAMPAIGN_TRANSITIONS, ITEM_TRANSITIONS } from './reissuance/reissuance-state';

/** One transition table as a markdown section (also used for the ACME tables by tools/docs/lifecycle-doc.ts). */
export function table(title: string, transitions: Readonly<Record<string, readonly string[]>>): string[] {
  return [
    `## ${title}`,
    '',
    '| from | may go to |',
    '|---|---|',
    ...Object.entries(transitions).map(
      ([from, to]) => `| \`${from}\` | ${to.length ? to.map((t) => `\`${t}\``).join(', ') : '— (final)'} |`,
    ),
    '',
  ];
}

/** docs/lifecycle.md, from the very tables the inventory enforces. */
export function renderLifecycleDoc(): string {
  return [
    '# Certificate and job lifecycles',
    '',
    'Generated from `apps/inventory/src/certificates/certificate-state.ts` and `apps/inventory/src/jobs/job-state.ts` by `npm run docs:api`; a unit test fails when this file and the code disagree. Any other change is refused with `409 illegal_transition`.',
    '',
    ...table('Certificate statuses', CERTIFICATE_TRANSITIONS),
    'Expiring and Expired are set by the scheduler’s expiry-status loop; Revoked by the revocation service (Revoked → Active only when a certificateHold is lifted); Archived by `DELETE /api/v1/certificates/{id}` (open jobs are cancelled).',
    '',
    ...table('Job statuses', JOB_TRANSITIONS),
    'Where a new issuance or renewal job starts: `awaiting_approval` when its profile requires approval; otherwise `awaiting_csr` when the profile has the agent generate the key; otherwise `pending` (queued for signing). An approved job moves on to `awaiting_csr` or `pending` the same way. `running → running` is a redelivery after a worker died; `running → pending` a retry with attempts left. The reaper (driven by the scheduler) moves Running jobs without progress back to Pending (attempts left) or to Failed, and fails AwaitingCSR and AwaitingApproval jobs that wait too long (`CERTCTL_JOB_RUNNING_TIMEOUT_MS`, `CERTCTL_JOB_AWAITING_CSR_TIMEOUT_MS`, `CERTCTL_JOB_AWAITING_APPROVAL_TIMEOUT_MS`, set on the scheduler). `running → awaiting_ca` is an asynchronous CA answering "pending": the issuance service polls the CA\'s order and completes or fails the job (after `CERTCTL_CA_ORDER_MAX_WAIT_MS`, set on issuance); a cancelled `awaiting_ca` job is not polled again (docs/connectors.md).',
    '',
    ...table('Endpoint health check statuses', HEALTH_TRANSITIONS),
    'From `apps/inventory/src/health-checks/health-state.ts`: a successful handshake is `healthy`, or `cert_mismatch` when the served leaf is not the expected fingerprint or the bound certificate’s current version; one failure keeps the status, 2 consecutive failures are `degraded`, 5 are `down`. Every change is a `certctl.v1.events.health.status-changed` event.',
    '',
    ...table('Re-issuance campaign statuses', CAMPAIGN_TRANSITIONS),
    ...table('Re-issuance item statuses', ITEM_TRANSITIONS),
    'From `apps/inventory/src/reissuance/reissuance-state.ts` (docs/fleet-reissuance.md): without `force_revoke` an item goes `pending → renewing → deploying → revoking → done` (no `revoking` when `revoke_old` is null); with it the old version is revoked as soon as the replacement is issued (`renewing → revoking → deploying → done`). A retried item restarts where it failed.',
    '',
  ].join('\n');
}
