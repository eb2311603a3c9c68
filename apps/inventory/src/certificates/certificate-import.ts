import { newId } from '@certctl/database';
import type { CertificateIdentity } from '@certctl/pki';
import type { InventoryConfig } from '../config';
import type { ImportedCertificate } from './certificate-import.repository';

/** Where an import lands when the caller names nothing: the issuer its renewals go to, owner, team and renewal policy. */
export interface ImportDefaults {
  issuerId: string;
  ownerId: string;
  teamId: string;
  renewalPolicyId: string;
}

/** The configured defaults (CERTCTL_DISCOVERY_IMPORT_*), shared by discovery claims and API imports. */
export function importDefaults(
  config: Pick<
    InventoryConfig,
    | 'CERTCTL_DISCOVERY_IMPORT_ISSUER_ID'
    | 'CERTCTL_DISCOVERY_IMPORT_OWNER_ID'
    | 'CERTCTL_DISCOVERY_IMPORT_TEAM_ID'
    | 'CERTCTL_DISCOVERY_IMPORT_RENEWAL_POLICY_ID'
  >,
): ImportDefaults {
  return {
    issuerId: config.CERTCTL_DISCOVERY_IMPORT_ISSUER_ID,
    ownerId: config.CERTCTL_DISCOVERY_IMPORT_OWNER_ID,
    teamId: config.CERTCTL_DISCOVERY_IMPORT_TEAM_ID,
    renewalPolicyId: config.CERTCTL_DISCOVERY_IMPORT_RENEWAL_POLICY_ID,
  };
}

/** What the caller of an import may choose (the discovered-certificate claim and POST /api/v1/certificates/import). */
export interface ImportChoice {
  name: string;
  owner_id?: string;
  team_id?: string;
  renewal_policy_id?: string;
  issuer_id?: string;
  environment?: string;
  tags?: Record<string, string>;
}

/** A managed-certificate name for an import: the one asked for, else derived from the common name and the fingerprint. */
export function importName(found: { subject: string; sans: readonly string[]; fingerprintSha256: string }, prefix: string, asked?: string) {
  if (asked) return asked;
  const commonName = /CN=([^,]+)/.exec(found.subject)?.[1] ?? found.sans[0] ?? 'certificate';
  return `${prefix}-${commonName.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 80)}-${found.fingerprintSha256.slice(0, 8)}`;
}

/**
 * The managed certificate (status from its own validity) and its one version for a certificate
 * issued elsewhere. Its key is not the platform's: the version's key source is `agent` (the key
 * stays where the certificate is deployed), and renewals go to the chosen issuer.
 */
export function importedCertificate(
  identity: CertificateIdentity,
  pem: { certificate: string; chain: string },
  choice: ImportChoice,
  defaults: ImportDefaults,
  source: string,
  now = Date.now(),
): ImportedCertificate {
  const certificateId = newId('cert');
  const issuerId = choice.issuer_id ?? defaults.issuerId;
  return {
    certificate: {
      id: certificateId,
      name: choice.name,
      commonName: identity.commonName ?? identity.sans[0] ?? identity.fingerprintSha256,
      sans: identity.sans,
      status: identity.notAfter.getTime() <= now ? 'expired' : 'active',
      issuerId,
      ownerId: choice.owner_id ?? defaults.ownerId,
      teamId: choice.team_id ?? defaults.teamId,
      renewalPolicyId: choice.renewal_policy_id ?? defaults.renewalPolicyId,
      expiresAt: identity.notAfter,
      environment: choice.environment ?? '',
      tags: choice.tags ?? {},
      source,
    },
    version: {
      id: newId('ver'),
      certificateId,
      issuerId,
      serialNumber: identity.serialNumber,
      fingerprintSha256: identity.fingerprintSha256,
      certificatePem: pem.certificate,
      chainPem: pem.chain,
      notBefore: identity.notBefore,
      notAfter: identity.notAfter,
      keyAlgorithm: identity.keyType,
      keySize: identity.keySize,
      keySource: 'agent',
    },
  };
}
