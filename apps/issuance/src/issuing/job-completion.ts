import { Rpc } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { getLogger } from '@certctl/observability';
import { certificateSummary } from '@certctl/pki';
import type { ResolvedIssuer } from '../connectors/connector-registry';
import type { IssuedCertificateRow } from './issued-certificate.repository';

type Logger = ReturnType<typeof getLogger>;

/**
 * Tells inventory what was signed for a job (the version it stores and activates). The issuance
 * worker calls it for a CA that answered at once, the CA order poller for one that answered later.
 */
export async function completeJob(rpc: RpcClient, jobId: string, issued: IssuedCertificateRow, resolved: ResolvedIssuer, log: Logger) {
  const info = certificateSummary(issued.certificatePem);
  return rpc.request(Rpc.inventory.jobComplete, {
    job_id: jobId,
    version: {
      serial_number: issued.serialNumber,
      fingerprint_sha256: info.fingerprintSha256,
      certificate_pem: issued.certificatePem,
      chain_pem: issued.chainPem,
      not_before: info.notBefore.toISOString(),
      not_after: info.notAfter.toISOString(),
      key_algorithm: info.keyType,
      key_size: info.keySize,
      key_source: issued.encryptedPrivateKey ? 'server' : 'agent',
      issuer_id: issued.issuerId,
      renewal_window: await renewalWindow(resolved, issued.certificatePem, log),
    },
  });
}

/** The issuer's suggested renewal window (ARI capability), or null; never fails the issuance. */
async function renewalWindow(
  { connector, issuer }: ResolvedIssuer,
  certificatePem: string,
  log: Logger,
): Promise<{ start: string; end: string } | null> {
  if (!connector.renewalInfo) return null;
  try {
    const w = await connector.renewalInfo(issuer, certificatePem);
    return w ? { start: w.start.toISOString(), end: w.end.toISOString() } : null;
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not read the renewal window from the issuer; the renewal policy applies');
    return null;
  }
}
