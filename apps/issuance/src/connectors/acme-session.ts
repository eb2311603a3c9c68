// The RFC 8555 protocol side of the ACME connector: an acme-client session that records the
// last exchange, the classification of a CA's refusal as retryable or terminal, the order's
// identifiers and the ARI certificate id.
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import * as acme from 'acme-client';
import { parseCsr } from '@certctl/pki';
import type { AcmeConfig } from './acme-config';
import { ConnectorError } from './connector';

type Problem = { type?: string; detail?: string; status?: number; subproblems?: Problem[] };
/** Problem types worth another attempt later (RFC 8555 §6.7); every other refusal is final. */
const RETRYABLE_PROBLEMS = new Set(['rateLimited', 'serverInternal', 'badNonce']);

/** What the last HTTP exchange of a session said, so a failure can be classified by the CA's problem type. */
export interface Trace {
  status?: number;
  body?: unknown;
  network?: string;
}

export interface Session {
  client: acme.Client;
  trace: Trace;
  http: {
    getDirectory(): Promise<Record<string, unknown>>;
    request(url: string, method: string): Promise<{ status: number; data: unknown }>;
  };
}

/**
 * An acme-client Client whose HTTP calls trust ca_bundle_pem, time out, are not retried
 * inside the library (the issuance queue retries with backoff) and leave a trace of the
 * last exchange for error classification.
 */
export function openSession(config: AcmeConfig, accountKey: string, accountUrl?: string): Session {
  const client = new acme.Client({
    directoryUrl: config.directory_url,
    accountKey,
    ...(accountUrl ? { accountUrl } : {}),
    ...(config.eab ? { externalAccountBinding: { kid: config.eab.kid, hmacKey: config.eab.hmac_key } } : {}),
    backoffAttempts: Math.max(3, Math.ceil(config.order_timeout_ms / 2000)),
    backoffMin: 250,
    backoffMax: 2000,
  });
  const agent = config.ca_bundle_pem ? new HttpsAgent({ ca: config.ca_bundle_pem, keepAlive: false }) : undefined;
  const trace: Trace = {};
  type RawHttp = Session['http'] & {
    request(url: string, method: string, opts?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
  };
  const http = (client as unknown as { http: RawHttp }).http;
  const request = http.request.bind(http);
  http.request = async (url: string, method: string, opts: Record<string, unknown> = {}) => {
    Object.assign(opts, { timeout: 30000, maxContentLength: 1024 * 1024, retryAttempt: Number.MAX_SAFE_INTEGER - 1 });
    if (agent) opts.httpsAgent = agent;
    try {
      const res = await request(url, method, opts);
      Object.assign(trace, { status: res.status, body: res.data, network: undefined });
      return res;
    } catch (err) {
      // acme-client's retry interceptor loses the socket error (it fails on the missing response): name the origin.
      const failure = err as { code?: string; response?: { status: number } };
      const network = `no response from ${new URL(url).origin}${failure.code ? ` (${failure.code})` : ''}`;
      Object.assign(trace, { status: failure.response?.status, body: undefined, network });
      throw err;
    }
  };
  return { client, trace, http };
}

/** Runs one protocol step; any failure becomes a ConnectorError classified by the CA's answer. */
export async function step<T>(session: Session, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classify(session.trace, what, err);
  }
}

/** The problem document of the last exchange: an error answer, or an invalid challenge/order's error. */
export function problemOf(trace: Trace): Problem | undefined {
  const body = trace.body as { type?: unknown; status?: unknown; error?: Problem } | undefined;
  if (!body || typeof body !== 'object') return undefined;
  if ((trace.status ?? 0) >= 400 && typeof body.type === 'string') return body as Problem;
  if (body.status === 'invalid' && body.error && typeof body.error === 'object') return body.error;
  return undefined;
}

export function classify(trace: Trace, what: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const message = (err as Error).message;
  if (trace.network) return ConnectorError.retryable(`the ACME CA is unreachable (${what}): ${trace.network}`, err);
  const problem = problemOf(trace);
  if (problem) {
    const type = (problem.type ?? 'unknown').replace('urn:ietf:params:acme:error:', '');
    const subs = (problem.subproblems ?? []).map((p) => `${p.type?.replace('urn:ietf:params:acme:error:', '') ?? ''}: ${p.detail ?? ''}`);
    const detail = [problem.detail, ...subs].filter(Boolean).join('; ');
    const text = `the ACME CA refused ${what}: ${type}: ${detail}`;
    const retryable = RETRYABLE_PROBLEMS.has(type) || (trace.status ?? 0) >= 500;
    return new ConnectorError(text, { retryable, cause: err });
  }
  if ((trace.status ?? 0) >= 500 || trace.status === 429) {
    return ConnectorError.retryable(`the ACME CA answered ${trace.status} (${what}): ${message}`, err);
  }
  // Timeouts while polling ("pending or processing") and anything unexplained: try again later.
  return ConnectorError.retryable(`ACME ${what} failed: ${message}`, err);
}

/** The order's identifiers: exactly the CSR's names (RFC 8555 §7.4: the CA checks they match). */
export async function orderIdentifiers(csrPem: string): Promise<{ type: 'dns' | 'ip'; value: string }[]> {
  const csr = await parseCsr(csrPem);
  const names = [...new Set([...(csr.commonName ? [csr.commonName] : []), ...csr.sans].map((n) => n.toLowerCase()))];
  const unsupported = names.filter((n) => n.includes('@') || n.includes(':/'));
  if (unsupported.length)
    throw ConnectorError.terminal(`an ACME CA certifies DNS names and IP addresses only, not ${unsupported.join(', ')}`);
  if (!names.length) throw ConnectorError.terminal('the CSR names nothing to certify');
  return names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
}

/** RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(the serial's DER INTEGER content bytes). */
export function ariCertId(certificatePem: string): string {
  const cert = new x509.X509Certificate(certificatePem);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (!aki) throw ConnectorError.terminal('the certificate has no authority key identifier: the CA cannot look up its renewal info');
  const hex = cert.serialNumber.length % 2 ? `0${cert.serialNumber}` : cert.serialNumber;
  let serial = Buffer.from(hex, 'hex');
  if ((serial[0] ?? 0) & 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(aki, 'hex').toString('base64url')}.${serial.toString('base64url')}`;
}
