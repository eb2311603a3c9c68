// The challenge validators' public types (RFC 8555 §8, RFC 8737, RFC 8738). The ACME
// service builds a ValidationRequest per challenge response and stores the result.

export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

/** An order identifier; dns values may start with '*.' (a wildcard: only dns-01 may validate it). */
export interface AcmeIdentifier {
  type: 'dns' | 'ip';
  value: string;
}

export interface ValidationRequest {
  type: ChallengeType;
  identifier: AcmeIdentifier;
  token: string;
  keyAuthorization: string;
}

/** The `urn:ietf:params:acme:error:<type>` of a failed validation. */
export type AcmeProblemType = 'connection' | 'dns' | 'tls' | 'incorrectResponse' | 'unauthorized' | 'rejectedIdentifier' | 'malformed';

/** One step of a validation, as RFC 8555 §8.3's example and Boulder record it. */
export interface ValidationRecord {
  url?: string;
  hostname?: string;
  port?: string;
  addressesResolved?: string[];
  addressUsed?: string;
}

export interface ValidationProblem {
  type: AcmeProblemType;
  detail: string;
}

export type ValidationResult =
  { ok: true; validationRecord: ValidationRecord[] } | { ok: false; problem: ValidationProblem; validationRecord: ValidationRecord[] };

export interface ValidatorOptions {
  /** Port of http-01 requests: 80 in production; CERTCTL_ACME_HTTP01_PORT. */
  http01Port: number;
  /** Port of tls-alpn-01 handshakes (and of https redirect targets): 443; CERTCTL_ACME_TLSALPN01_PORT. */
  tlsAlpn01Port: number;
  /** 'host:port' of the DNS server to ask (like Pebble's -dnsserver); undefined = the system's servers. CERTCTL_ACME_DNS_SERVER. */
  dnsServer?: string;
  /** Connect to private, loopback, link-local, ... addresses (CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES); false in production. */
  allowPrivateAddresses: boolean;
  /** Bound of one whole validation (resolution, connection, redirects, body), default 10000. */
  timeoutMs: number;
  /** Redirects an http-01 validation follows, default 10. */
  maxRedirects: number;
  /** Largest http-01 response body read, default 64 KiB. */
  maxBodyBytes: number;
}

/** A failed validation, as the validators return it. */
export function fail(type: AcmeProblemType, detail: string, validationRecord: ValidationRecord[] = []): ValidationResult {
  return { ok: false, problem: { type, detail }, validationRecord };
}
