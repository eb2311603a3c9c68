import { type CertificateIdentity, certificateIdentity } from '@certctl/pki';

/** One certificate seen at one place, parsed by the server (never trusted from the reporter). */
export interface Finding {
  location: string;
  serverName: string;
  certificatePem: string;
  identity: CertificateIdentity;
}

export interface RejectedEntry {
  index: number;
  path: string;
  error: string;
}

export interface ReportedCertificate {
  location: string;
  serverName?: string;
  certificatePem: string;
}

/**
 * Parses each reported certificate. An entry whose PEM holds no parsable CERTIFICATE is
 * rejected with the parser's reason (reported back to the sender, not stored); only the first
 * CERTIFICATE block of an entry is read (a chain arrives as one entry per certificate).
 */
export async function parseReported(entries: readonly ReportedCertificate[]): Promise<{ findings: Finding[]; rejected: RejectedEntry[] }> {
  const findings: Finding[] = [];
  const rejected: RejectedEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const identity = await certificateIdentity(entry.certificatePem);
      findings.push({ location: entry.location, serverName: entry.serverName ?? '', certificatePem: entry.certificatePem, identity });
    } catch (err) {
      rejected.push({ index, path: entry.location, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { findings, rejected };
}

/** The same certificate reported twice at one location in one report counts once. */
export function uniqueFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const finding of findings) seen.set(`${finding.identity.fingerprintSha256}\u0000${finding.location}`, finding);
  return [...seen.values()];
}
