// Every request the k6 scripts send to the platform, as plain data: the scripts build their
// requests only here, and tools/observability/k6-requests.spec.ts checks each one against
// docs/openapi.json (method, path, body schema) and the ACME server's routes. No k6 imports:
// this file is also loaded by Jest.

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';
export interface ApiRequest {
  method: Method;
  /** The path as sent (ids filled in), with its query string. */
  path: string;
  /** The OpenAPI path template it must match. */
  route: string;
  body?: unknown;
  /** Sent without the API key (public protocol surfaces). */
  public?: boolean;
}

const seg = (s: string) => encodeURIComponent(s);

export const api = {
  certificateCreate: (name: string, o: { issuerId?: string; ownerId?: string; teamId?: string; policyId?: string } = {}): ApiRequest => ({
    method: 'POST',
    path: '/api/v1/certificates',
    route: '/api/v1/certificates',
    body: {
      name,
      common_name: `${name}.k6.example.com`,
      sans: [`www.${name}.k6.example.com`],
      issuer_id: o.issuerId ?? 'iss-local',
      owner_id: o.ownerId ?? 'o-alice',
      team_id: o.teamId ?? 't-platform',
      renewal_policy_id: o.policyId ?? 'rp-standard',
    },
  }),
  certificateList: (q: { limit?: number; cursor?: string; status?: string; issuer_id?: string } = {}): ApiRequest => {
    const params = Object.entries(q)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${seg(String(v))}`)
      .join('&');
    return { method: 'GET', path: `/api/v1/certificates${params ? `?${params}` : ''}`, route: '/api/v1/certificates' };
  },
  certificateGet: (id: string): ApiRequest => ({
    method: 'GET',
    path: `/api/v1/certificates/${seg(id)}`,
    route: '/api/v1/certificates/{id}',
  }),
  bulkRenew: (ids: string[]): ApiRequest => ({
    method: 'POST',
    path: '/api/v1/certificates/bulk-renew',
    route: '/api/v1/certificates/bulk-renew',
    body: { ids },
  }),
  jobList: (status: string, limit = 1): ApiRequest => ({
    method: 'GET',
    path: `/api/v1/jobs?status=${seg(status)}&limit=${limit}`,
    route: '/api/v1/jobs',
  }),
  agentHeartbeat: (agentId: string, hostname: string): ApiRequest => ({
    method: 'POST',
    path: `/api/v1/agents/${seg(agentId)}/heartbeat`,
    route: '/api/v1/agents/{id}/heartbeat',
    body: { hostname, os: 'linux', architecture: 'amd64', version: 'k6' },
  }),
  agentWork: (agentId: string, limit = 10): ApiRequest => ({
    method: 'GET',
    path: `/api/v1/agents/${seg(agentId)}/work?limit=${limit}`,
    route: '/api/v1/agents/{id}/work',
  }),
  ocspGet: (issuerId: string, requestBase64Url: string): ApiRequest => ({
    method: 'GET',
    path: `/.well-known/pki/ocsp/${seg(issuerId)}/${requestBase64Url}`,
    route: '/.well-known/pki/ocsp/{issuer_id}/{request}',
    public: true,
  }),
};

/** ACME: the directory paths (RFC 8555 §7.1.1), fixed by the server; the other URLs come from the directory and its answers. */
export const acmeDirectoryPath = (profileId?: string): string =>
  profileId ? `/acme/profile/${seg(profileId)}/directory` : '/acme/directory';

/** Directory fields the scripts use, and the JWS-signed payloads they send to each (RFC 8555 §7.3, §7.4, §7.5.1). */
export const acme = {
  directoryFields: ['newNonce', 'newAccount', 'newOrder'] as const,
  newAccount: (eab?: unknown) => ({
    termsOfServiceAgreed: true,
    contact: ['mailto:k6@k6.example.com'],
    ...(eab ? { externalAccountBinding: eab } : {}),
  }),
  newOrder: (names: string[]) => ({ identifiers: names.map((value) => ({ type: 'dns', value })) }),
  challengeReady: () => ({}),
  finalize: (csrBase64Url: string) => ({ csr: csrBase64Url }),
};
