import { type DeploymentResultDto, deploymentStepSchema, isoDateSchema } from '@certctl/contracts';
import { z } from 'zod';

/**
 * What an agent stores in a deployment job's `result` (apps/agent/src/jobs/deploy-job.ts
 * reportOf, merged over the `version_id` the job was created with). Optional fields are the
 * ones the agent leaves out; unknown keys are dropped, so only paths, fingerprints, an
 * address and error texts can ever reach the API.
 */
const storedReportSchema = z.object({
  version_id: z.string().optional(),
  target_id: z.string().nullable().optional(),
  files: z.array(z.string()),
  verification: z
    .object({
      ok: z.boolean(),
      served_fingerprint: z.string().nullable(),
      address: z.string(),
      verified_at: isoDateSchema,
      error: z.string().optional(),
    })
    .nullable(),
  rolled_back: z.boolean(),
  failed_step: deploymentStepSchema.optional(),
});

/** The job fields the result depends on. */
export interface JobResultSource {
  type: string;
  targetId: string | null;
  result: unknown;
}

/**
 * A deployment job's report as the API shows it; null for other jobs, for a deployment job
 * its agent has not reported on yet (its result holds only `version_id`), and for a stored
 * result that is not the agreed shape (never a half-read report).
 */
export function deploymentResultOf(job: JobResultSource): DeploymentResultDto | null {
  if (job.type !== 'deployment') return null;
  const parsed = storedReportSchema.safeParse(job.result);
  if (!parsed.success) return null;
  const r = parsed.data;
  return {
    version_id: r.version_id ?? null,
    target_id: r.target_id ?? job.targetId,
    files: r.files,
    verification: r.verification
      ? {
          ok: r.verification.ok,
          served_fingerprint: r.verification.served_fingerprint,
          address: r.verification.address,
          verified_at: r.verification.verified_at,
          error: r.verification.error ?? null,
        }
      : null,
    rolled_back: r.rolled_back,
    failed_step: r.failed_step ?? null,
  };
}
