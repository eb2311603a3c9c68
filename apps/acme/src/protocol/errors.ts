import type { AppError, ErrorCode } from '@certctl/contracts';

/** RFC 8555 §6.7 error types, plus RFC 9773's `alreadyReplaced`. */
export type AcmeErrorType =
  | 'accountDoesNotExist'
  | 'alreadyReplaced'
  | 'alreadyRevoked'
  | 'badCSR'
  | 'badNonce'
  | 'badPublicKey'
  | 'badRevocationReason'
  | 'badSignatureAlgorithm'
  | 'caa'
  | 'compound'
  | 'connection'
  | 'conflict'
  | 'dns'
  | 'externalAccountRequired'
  | 'incorrectResponse'
  | 'invalidContact'
  | 'malformed'
  | 'orderNotReady'
  | 'rateLimited'
  | 'rejectedIdentifier'
  | 'serverInternal'
  | 'tls'
  | 'unauthorized'
  | 'unsupportedContact'
  | 'unsupportedIdentifier'
  | 'userActionRequired';

const DEFAULT_STATUS: Partial<Record<AcmeErrorType, number>> = {
  accountDoesNotExist: 400,
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badNonce: 400,
  conflict: 409,
  orderNotReady: 403,
  rateLimited: 429,
  serverInternal: 500,
  unauthorized: 403,
  userActionRequired: 403,
  externalAccountRequired: 403,
};

export interface AcmeSubproblem {
  type: string;
  detail: string;
  identifier?: { type: string; value: string };
}

export interface AcmeProblemDocument {
  type: string;
  detail: string;
  status: number;
  subproblems?: AcmeSubproblem[];
  algorithms?: string[];
}

export const acmeUrn = (type: AcmeErrorType): string => `urn:ietf:params:acme:error:${type}`;

/** One error type for the whole service, turned into `application/problem+json` at the HTTP edge only. */
export class AcmeError extends Error {
  readonly status: number;
  constructor(
    readonly type: AcmeErrorType,
    detail: string,
    readonly opts: {
      status?: number;
      subproblems?: AcmeSubproblem[];
      retryAfterSeconds?: number;
      algorithms?: string[];
      location?: string;
    } = {},
  ) {
    super(detail);
    this.status = opts.status ?? DEFAULT_STATUS[type] ?? 400;
  }

  toProblem(): AcmeProblemDocument {
    return {
      type: acmeUrn(this.type),
      detail: this.message,
      status: this.status,
      ...(this.opts.subproblems?.length ? { subproblems: this.opts.subproblems } : {}),
      ...(this.opts.algorithms ? { algorithms: this.opts.algorithms } : {}),
    };
  }
}

/** How an AppError from this service or another (over NATS) reaches an ACME client. */
interface AcmeTranslation {
  type: AcmeErrorType;
  status: number;
  /** A fixed detail instead of the AppError's own, which its contract says is safe to show. */
  detail?: string;
  /** The edge logs the original error (a fault of ours, not the client's). */
  log?: boolean;
  retryAfterSeconds?: number;
}

const UNAVAILABLE: AcmeTranslation = {
  type: 'serverInternal',
  status: 503,
  detail: 'a platform service is unavailable; retry shortly',
  retryAfterSeconds: 5,
};
const INTERNAL: AcmeTranslation = { type: 'serverInternal', status: 500, detail: 'the server could not process the request', log: true };

/**
 * Every AppError code, as an RFC 8555 §6.7 problem: a new code fails to compile until it is
 * given one here (the REST edge's table is STATUS in libs/contracts/src/errors.ts).
 */
export const APP_ERROR_TO_ACME: Readonly<Record<ErrorCode, AcmeTranslation>> = {
  validation_failed: { type: 'malformed', status: 400 },
  bad_request: { type: 'malformed', status: 400 },
  not_found: { type: 'malformed', status: 404 },
  conflict: { type: 'conflict', status: 409 },
  unauthorized: { type: 'unauthorized', status: 403 },
  forbidden: { type: 'unauthorized', status: 403 },
  rate_limited: { type: 'rateLimited', status: 429 },
  payload_too_large: { type: 'malformed', status: 413 },
  illegal_transition: { type: 'conflict', status: 409 },
  agent_retired: { type: 'unauthorized', status: 403 },
  service_unavailable: UNAVAILABLE,
  timeout: UNAVAILABLE,
  issuer_failure: INTERNAL,
  internal: INTERNAL,
};

/** The ACME problem an AppError becomes, and whether the edge must log the original. */
export function acmeErrorFromAppError(err: AppError): { acme: AcmeError; log: boolean } {
  const translation = APP_ERROR_TO_ACME[err.code];
  const detail = translation.detail ?? appErrorDetail(err);
  const acme = new AcmeError(translation.type, detail, { status: translation.status, retryAfterSeconds: translation.retryAfterSeconds });
  return { acme, log: translation.log ?? false };
}

function appErrorDetail(err: AppError): string {
  const fields = err.fields?.map((field) => `${field.field}: ${field.message}`) ?? [];
  return fields.length ? `${err.message} (${fields.join('; ')})` : err.message;
}
