import type { AcmeConfig } from '../config';
import { NO_OVERRIDES, directoryMeta, landing, validationSettings } from './profile-defaults';

const config = {
  CERTCTL_ACME_ISSUER_ID: 'iss-local',
  CERTCTL_ACME_OWNER_ID: 'o-alice',
  CERTCTL_ACME_TEAM_ID: 't-platform',
  CERTCTL_ACME_RENEWAL_POLICY_ID: 'rp-standard',
  CERTCTL_ACME_HTTP01_PORT: 80,
  CERTCTL_ACME_TLSALPN01_PORT: 443,
  CERTCTL_ACME_DNS_SERVER: undefined,
  CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: false,
  CERTCTL_ACME_VALIDATION_TIMEOUT_MS: 10000,
} as AcmeConfig;

describe('ACME profile defaults', () => {
  it('ok/a profile without settings lands in the server settings', () => {
    const server = { issuer_id: 'iss-local', owner_id: 'o-alice', team_id: 't-platform', renewal_policy_id: 'rp-standard' };
    expect(landing(null, config)).toEqual(server);
    expect(landing(NO_OVERRIDES, config)).toEqual(server);
  });

  it("ok/each id the profile sets replaces the server's, the others stay", () => {
    expect(landing({ issuerId: null, ownerId: 'o-bob', teamId: 't-web', renewalPolicyId: null }, config)).toEqual({
      issuer_id: 'iss-local',
      owner_id: 'o-bob',
      team_id: 't-web',
      renewal_policy_id: 'rp-standard',
    });
  });

  it('ok/the validation settings are the ports and resolver the server uses', () => {
    expect(validationSettings({ ...config, CERTCTL_ACME_HTTP01_PORT: 8080, CERTCTL_ACME_DNS_SERVER: '10.0.0.53:53' })).toEqual({
      http_01_port: 8080,
      tls_alpn_01_port: 443,
      dns_server: '10.0.0.53:53',
      allow_private_addresses: false,
      timeout_ms: 10000,
    });
  });

  it('ok/the directory meta names the ports, the landing ids, the source and the settings route, but not the resolver', () => {
    const meta = directoryMeta('prof/x', landing({ ...NO_OVERRIDES, teamId: 't-web' }, config), {
      ...config,
      CERTCTL_ACME_DNS_SERVER: '10.0.0.53:53',
    });
    expect(meta).toEqual({
      profile: 'prof/x',
      certificateSource: 'acme',
      issuer: 'iss-local',
      owner: 'o-alice',
      team: 't-web',
      renewalPolicy: 'rp-standard',
      validationPorts: { 'http-01': 80, 'tls-alpn-01': 443 },
      settings: '/api/v1/acme/profiles/prof%2Fx',
    });
    expect(JSON.stringify(meta)).not.toContain('10.0.0.53');
  });
});
