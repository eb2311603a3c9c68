import type { CertificateDto, CertificateVersionDto } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';

type CertificateRow = Prisma.CertificateGetPayload<object>;
type VersionRow = Prisma.CertificateVersionGetPayload<object>;

export function toVersionDto(v: VersionRow): CertificateVersionDto {
  return {
    id: v.id,
    serial_number: v.serialNumber,
    fingerprint_sha256: v.fingerprintSha256,
    not_before: v.notBefore.toISOString(),
    not_after: v.notAfter.toISOString(),
    key_algorithm: v.keyAlgorithm,
    key_size: v.keySize,
    key_source: v.keySource,
    issuer_id: v.issuerId,
    certificate_pem: v.certificatePem,
    chain_pem: v.chainPem,
    renewal_window:
      v.ariWindowStart && v.ariWindowEnd ? { start: v.ariWindowStart.toISOString(), end: v.ariWindowEnd.toISOString() } : null,
    created_at: v.createdAt.toISOString(),
  };
}

export function toSummaryDto(
  c: CertificateRow,
  v: Pick<VersionRow, 'serialNumber' | 'notBefore' | 'notAfter'> | null,
  renewal: CertificateDto['renewal'] = null,
) {
  return {
    id: c.id,
    name: c.name,
    common_name: c.commonName,
    sans: c.sans,
    environment: c.environment,
    tags: (c.tags ?? {}) as Record<string, string>,
    status: c.status,
    issuer_id: c.issuerId,
    profile_id: c.profileId,
    owner_id: c.ownerId,
    team_id: c.teamId,
    renewal_policy_id: c.renewalPolicyId,
    agent_id: c.agentId,
    source: c.source,
    serial_number: v?.serialNumber ?? null,
    not_before: v?.notBefore.toISOString() ?? null,
    not_after: (v?.notAfter ?? c.expiresAt)?.toISOString() ?? null,
    renewal,
    created_by: c.createdBy,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export function toCertificateDto(
  c: CertificateRow,
  v: VersionRow | null,
  targetIds: string[] = [],
  renewal: CertificateDto['renewal'] = null,
): CertificateDto {
  return {
    ...toSummaryDto(c, v, renewal),
    target_ids: targetIds,
    certificate_pem: v?.certificatePem ?? null,
    chain_pem: v?.chainPem ?? null,
    current_version: v ? toVersionDto(v) : null,
  };
}
