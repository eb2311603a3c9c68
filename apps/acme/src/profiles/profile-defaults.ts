import type { AcmeConfig } from '../config';
import type { ProfileOverrides } from './profile-settings.repository';

/** The inventory ids an ACME certificate is recorded with. */
export interface Landing {
  issuer_id: string;
  owner_id: string;
  team_id: string;
  renewal_policy_id: string;
}

export const NO_OVERRIDES: ProfileOverrides = { issuerId: null, ownerId: null, teamId: null, renewalPolicyId: null };

/** The profile's own ids where it has them, else the server settings (CERTCTL_ACME_ISSUER_ID, _OWNER_ID, _TEAM_ID, _RENEWAL_POLICY_ID). */
export function landing(overrides: ProfileOverrides | null, config: AcmeConfig): Landing {
  const o = overrides ?? NO_OVERRIDES;
  return {
    issuer_id: o.issuerId ?? config.CERTCTL_ACME_ISSUER_ID,
    owner_id: o.ownerId ?? config.CERTCTL_ACME_OWNER_ID,
    team_id: o.teamId ?? config.CERTCTL_ACME_TEAM_ID,
    renewal_policy_id: o.renewalPolicyId ?? config.CERTCTL_ACME_RENEWAL_POLICY_ID,
  };
}

/** How the server validates challenges, as the settings give it. */
export function validationSettings(config: AcmeConfig) {
  return {
    http_01_port: config.CERTCTL_ACME_HTTP01_PORT,
    tls_alpn_01_port: config.CERTCTL_ACME_TLSALPN01_PORT,
    dns_server: config.CERTCTL_ACME_DNS_SERVER ?? null,
    allow_private_addresses: config.CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES,
    timeout_ms: config.CERTCTL_ACME_VALIDATION_TIMEOUT_MS,
  };
}

/**
 * The directory's `meta.certctl` (RFC 8555 §7.1.1 lets a server add meta fields; clients ignore
 * ones they do not know): the ports challenges are validated on and where certificates land.
 * The DNS resolver and address policy stay out of this unauthenticated document.
 */
export function directoryMeta(profileId: string, target: Landing, config: AcmeConfig) {
  return {
    profile: profileId,
    certificateSource: 'acme',
    issuer: target.issuer_id,
    owner: target.owner_id,
    team: target.team_id,
    renewalPolicy: target.renewal_policy_id,
    validationPorts: { 'http-01': config.CERTCTL_ACME_HTTP01_PORT, 'tls-alpn-01': config.CERTCTL_ACME_TLSALPN01_PORT },
    settings: `/api/v1/acme/profiles/${encodeURIComponent(profileId)}`,
  };
}
