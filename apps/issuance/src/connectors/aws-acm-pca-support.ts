// The pure parts of the aws-acm-pca connector: SDK errors → retryable or terminal
// ConnectorError, RFC 5280 reasons → AWS RevocationReason, serial and validity formats, the
// idempotency token and the polling schedule for GetCertificate.
import { createHash } from 'node:crypto';
import type { RevocationReason } from '@certctl/contracts';
import { ConnectorError, type IssueRequest } from './connector';

/** Error names that mean "ask again later" (throttling, a certificate still being made, AWS's own failures). */
const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestInProgressException',
  'ServiceUnavailableException',
  'InternalFailureException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * An AWS SDK failure as a ConnectorError: throttling, 5xx, RequestInProgress and network
 * failures are retryable; validation, access denied, not found, a bad state and every other
 * 4xx are terminal (the same request would be refused again).
 */
export function awsConnectorError(action: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = `AWS Private CA ${action} failed: ${name}${e.message ? `: ${e.message}` : ''}`;
  const network = status === undefined && /^E[A-Z]+$/.test(e.code ?? '');
  if (RETRYABLE_NAMES.has(name) || e.$retryable || e.$fault === 'server' || (status !== undefined && status >= 500) || network) {
    return ConnectorError.retryable(detail, err);
  }
  return ConnectorError.terminal(detail, err);
}

const AWS_REASONS: Partial<Record<RevocationReason, string>> = {
  unspecified: 'UNSPECIFIED',
  keyCompromise: 'KEY_COMPROMISE',
  cACompromise: 'CERTIFICATE_AUTHORITY_COMPROMISE',
  affiliationChanged: 'AFFILIATION_CHANGED',
  superseded: 'SUPERSEDED',
  cessationOfOperation: 'CESSATION_OF_OPERATION',
  privilegeWithdrawn: 'PRIVILEGE_WITHDRAWN',
  aACompromise: 'A_A_COMPROMISE',
};

/** The AWS RevocationReason of an RFC 5280 reason; certificateHold and removeFromCRL have none (AWS revocation is final). */
export function awsRevocationReason(reason: string): string {
  const aws = AWS_REASONS[reason as RevocationReason];
  if (!aws) throw ConnectorError.terminal(`AWS Private CA cannot revoke with reason ${reason} (it has no certificate hold)`);
  return aws;
}

/** A lowercase hex serial as AWS Private CA's CertificateSerial: byte pairs, uppercase, colon-separated. */
export function awsSerial(serialHex: string): string {
  const hex = serialHex.replace(/[^0-9a-f]/gi, '').replace(/^0+(?=.)/, '');
  const even = hex.length % 2 ? `0${hex}` : hex;
  return even.toUpperCase().match(/../g)!.join(':');
}

/** IssueCertificate's IdempotencyToken: the job id hashed to 32 hex characters, so a redelivered job gets the same certificate. */
export function idempotencyToken(jobId: string): string {
  return createHash('sha256').update(`certctl-job:${jobId}`).digest('hex').slice(0, 32);
}

/** The profile's validity: whole days, or an absolute end (Unix seconds) for a validity in seconds. */
export function awsValidity(
  request: Pick<IssueRequest, 'validityDays' | 'validitySeconds'>,
  now = Date.now(),
): { Type: 'DAYS' | 'ABSOLUTE'; Value: number } {
  if (request.validitySeconds !== undefined) return { Type: 'ABSOLUTE', Value: Math.floor(now / 1000) + request.validitySeconds };
  return { Type: 'DAYS', Value: request.validityDays };
}

/** Waits between GetCertificate calls while AWS answers RequestInProgress: 200 ms doubling to a 5 s cap, within `timeoutMs`. */
export function* pollDelays(timeoutMs: number, firstMs = 200, capMs = 5000): Generator<number> {
  let spent = 0;
  for (let delay = firstMs; spent < timeoutMs; delay = Math.min(delay * 2, capMs)) {
    const wait = Math.min(delay, timeoutMs - spent);
    spent += wait;
    yield wait;
  }
}
