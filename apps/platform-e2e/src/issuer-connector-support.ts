// What the e2e specs of issuer connectors (acme, aws-acm-pca, …) share: a certificate request
// for a connector issuer and the wait for its job to settle.
import { api, waitFor } from './http';

/** A certificate for `<name>.example.test` and `www.<name>.example.test` from `issuerId`. */
export function connectorCertificateBody(name: string, issuerId: string) {
  return {
    name,
    common_name: `${name}.example.test`,
    sans: [`${name}.example.test`, `www.${name}.example.test`],
    issuer_id: issuerId,
    owner_id: 'o-alice',
    team_id: 't-platform',
    renewal_policy_id: 'rp-standard',
  };
}

/**
 * The job once it has `status` (a job that fails while completion is awaited throws its
 * last_error); `seen` collects every status observed on the way (e.g. awaiting_ca).
 */
export async function settledJob(jobId: string, status: 'completed' | 'failed', timeoutMs = 120000, seen?: Set<string>) {
  return waitFor(
    async () => {
      const j = await api('GET', `/api/v1/jobs/${jobId}`);
      seen?.add(j.body.status);
      if (status === 'completed' && j.body.status === 'failed') throw new Error(`the job failed: ${j.body.last_error}`);
      return j.body.status === status ? j.body : undefined;
    },
    timeoutMs,
    `job ${jobId} to be ${status}`,
  );
}
