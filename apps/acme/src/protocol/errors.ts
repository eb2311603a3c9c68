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
