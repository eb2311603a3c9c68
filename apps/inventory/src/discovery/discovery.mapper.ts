import type { DiscoveredRow } from './discovery.repository';

/** A discovered_certificates row on the wire. */
export function toDiscoveredDto(row: DiscoveredRow) {
  return {
    id: row.id,
    fingerprint_sha256: row.fingerprintSha256,
    source: row.source as 'agent' | 'network',
    source_id: row.sourceId,
    location: row.location,
    server_name: row.serverName,
    subject: row.subject,
    issuer: row.issuer,
    sans: row.sans,
    serial: row.serial,
    not_before: row.notBefore.toISOString(),
    not_after: row.notAfter.toISOString(),
    key_algorithm: row.keyAlgorithm,
    key_size: row.keySize,
    is_ca: row.isCa,
    self_signed: row.selfSigned,
    certificate_pem: row.certificatePem,
    status: row.status as 'unmanaged' | 'managed' | 'dismissed',
    managed_certificate_id: row.managedCertificateId,
    dismiss_reason: row.dismissReason,
    first_seen_at: row.firstSeenAt.toISOString(),
    last_seen_at: row.lastSeenAt.toISOString(),
    seen_count: row.seenCount,
  };
}
