import type { JobDto } from '@certctl/contracts';
import type { JobRow } from './job.repository';
import { deploymentResultOf } from './job-result';
import { waitingReason } from './job-waiting';

export function toJobDto(j: JobRow): JobDto {
  return {
    id: j.id,
    type: j.type,
    status: j.status,
    certificate_id: j.certificateId,
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
    last_error: j.lastError,
    requested_by: j.requestedBy,
    decided_by: j.decidedBy,
    decision_reason: j.decisionReason,
    scheduled_at: j.scheduledAt.toISOString(),
    waiting_reason: waitingReason(j),
    created_at: j.createdAt.toISOString(),
    updated_at: j.updatedAt.toISOString(),
    completed_at: j.completedAt?.toISOString() ?? null,
    result: deploymentResultOf(j),
  };
}
