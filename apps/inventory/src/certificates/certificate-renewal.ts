import type { CertificateDto } from '@certctl/contracts';
import { renewalSchedule } from '@certctl/pki';
import { waitingReason, type WaitingJob } from '../jobs/job-waiting';
import type { CertificateRow, RenewalPolicyTiming, VersionSummaryRow } from './certificate.repository';

type Renewal = CertificateDto['renewal'];
export type OpenJob = WaitingJob & { id: string; type: 'issuance' | 'renewal' | 'deployment' | 'revocation'; certificateId: string };

/**
 * When and why a certificate's current version will be renewed, from the scheduler's own
 * plan (libs/pki renewalSchedule: ARI window or policy, then jitter), with the open issuance
 * or renewal job and what it waits for. Null before the first version exists.
 */
export function toRenewalDto(
  c: Pick<CertificateRow, 'id'>,
  v: Pick<VersionSummaryRow, 'notBefore' | 'notAfter' | 'ariWindowStart' | 'ariWindowEnd'> | null,
  policy: RenewalPolicyTiming | null,
  job: OpenJob | null,
  maxJitterMs: number,
  now: Date = new Date(),
): Renewal {
  if (!v || !policy) return null;
  const s = renewalSchedule({
    certificateId: c.id,
    notBefore: v.notBefore,
    notAfter: v.notAfter,
    renewBeforeDays: policy.renewBeforeDays,
    renewBeforeFraction: policy.renewBeforeFraction,
    ariWindow: v.ariWindowStart && v.ariWindowEnd ? { start: v.ariWindowStart, end: v.ariWindowEnd } : null,
    autoRenew: policy.autoRenew,
    maxJitterMs,
  });
  return {
    due_at: s.dueAt.toISOString(),
    starts_at: s.startAt.toISOString(),
    source: s.source,
    reason: s.reason,
    window: s.window ? { start: s.window.start.toISOString(), end: s.window.end.toISOString() } : null,
    explanation: s.explanation,
    job: job
      ? {
          id: job.id,
          type: job.type,
          status: job.status,
          scheduled_at: job.scheduledAt.toISOString(),
          waiting_reason: waitingReason(job, now),
        }
      : null,
  };
}
