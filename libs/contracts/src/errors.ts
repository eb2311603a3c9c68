import { z } from 'zod';

/** Stable error codes. Wire values: never rename one, add new ones. */
export const ErrorCode = {
  ValidationFailed: 'validation_failed',
  /** The request itself is malformed (its target, framing or nesting), before any field is read. */
  BadRequest: 'bad_request',
  NotFound: 'not_found',
  Conflict: 'conflict',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  RateLimited: 'rate_limited',
  PayloadTooLarge: 'payload_too_large',
  ServiceUnavailable: 'service_unavailable',
  Timeout: 'timeout',
  IllegalTransition: 'illegal_transition',
  IssuerFailure: 'issuer_failure',
  /** The agent was retired: its agent routes answer 410 Gone, and the agent stops. */
  AgentRetired: 'agent_retired',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 422,
  bad_request: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  payload_too_large: 413,
  service_unavailable: 503,
  timeout: 504,
  illegal_transition: 409,
  issuer_failure: 502,
  agent_retired: 410,
  internal: 500,
};

const TITLE: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  bad_request: 'Bad request',
  not_found: 'Not found',
  conflict: 'Conflict',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  rate_limited: 'Too many requests',
  payload_too_large: 'Payload too large',
  service_unavailable: 'Service unavailable',
  timeout: 'Upstream timeout',
  illegal_transition: 'Illegal state transition',
  issuer_failure: 'Issuer failure',
  agent_retired: 'Agent retired',
  internal: 'Internal error',
};

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** What crosses NATS when a handler fails; rebuilt into an AppError on the caller. */
export const wireErrorSchema = z.object({
  code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
  detail: z.string(),
  retryable: z.boolean(),
  fields: z.array(fieldErrorSchema).optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

/**
 * The one error type of the platform: a stable code, a human detail safe to show
 * callers, and whether trying again may succeed. Translated only at the edges
 * (problem+json for REST, ACME problems, NATS wire errors, queue terminal failures).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly fields?: FieldError[];

  constructor(code: ErrorCode, detail: string, opts: { retryable?: boolean; fields?: FieldError[]; cause?: unknown } = {}) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable ?? (code === 'service_unavailable' || code === 'timeout');
    this.fields = opts.fields;
  }

  get status(): number {
    return STATUS[this.code];
  }

  get title(): string {
    return TITLE[this.code];
  }

  toWire(): WireError {
    return { code: this.code, detail: this.message, retryable: this.retryable, ...(this.fields ? { fields: this.fields } : {}) };
  }

  static fromWire(w: unknown): AppError {
    const parsed = wireErrorSchema.safeParse(w);
    if (!parsed.success) return new AppError('internal', 'malformed error reply from a service');
    return new AppError(parsed.data.code, parsed.data.detail, { retryable: parsed.data.retryable, fields: parsed.data.fields });
  }

  static validation(fields: FieldError[], detail = 'The request has invalid fields.'): AppError {
    return new AppError('validation_failed', detail, { fields });
  }

  static notFound(what: string, id: string): AppError {
    return new AppError('not_found', `${what} ${JSON.stringify(id)} does not exist.`);
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Zod issues → field errors named by their snake_case path. */
export function fieldErrorsFromZod(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((i) => {
    const at = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ field: at ? `${at}.${k}` : k, message: 'is not a known field' }));
    }
    return [{ field: at || '(body)', message: i.message }];
  });
}

/** Prisma's own codes for a database it cannot reach or that dropped the connection. */
const DB_UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** What Prisma's PostgreSQL driver adapter calls a database that is down, full or gone. */
const DB_UNREACHABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** SQLSTATEs of a server going away: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 starting up, 08xxx connection exceptions. */
const isOutageSqlState = (code: unknown) => typeof code === 'string' && (/^57P0[123]$/.test(code) || code.startsWith('08'));
/**
 * node-postgres's and Prisma's words for a connection that failed or was cut, and for a query
 * that got no answer within its query_timeout (a stalled server or network: libs/database).
 */
const OUTAGE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Can't reach database server/i,
  /Query read timeout/i,
  /Client was closed and is not queryable/i,
  // Prisma P2028 when no pool connection came within the transaction's maxWait: every connection
  // is held by queries the database does not answer (a stall), not a fault of this request.
  /Unable to start a transaction in the given time/i,
];

/**
 * True when `err` says the database is unreachable (down, restarting, out of connections, or it
 * cut the connection), which says nothing about the request: the caller should wait and try again.
 * Judged by shape, so any layer can ask without loading the database client.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object' || err instanceof AppError) return false;
  const e = err as {
    code?: unknown;
    errorCode?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: Record<string, unknown> } };
  };
  if (DB_UNREACHABLE_PRISMA_CODES.has(String(e.code)) || DB_UNREACHABLE_PRISMA_CODES.has(String(e.errorCode))) return true;
  const cause = e.meta?.driverAdapterError?.cause;
  if (cause && (DB_UNREACHABLE_ADAPTER_KINDS.has(String(cause.kind)) || isOutageSqlState(cause.originalCode ?? cause.code))) return true;
  if (isOutageSqlState(e.code)) return true;
  return typeof e.message === 'string' && OUTAGE_MESSAGES.some((re) => re.test(e.message as string));
}

/**
 * The AppError an infrastructure failure stands for: `service_unavailable` (retryable) for a
 * database that is unreachable; undefined for anything else, which stays an internal error.
 */
export function outageError(err: unknown): AppError | undefined {
  return isDatabaseUnavailable(err)
    ? new AppError('service_unavailable', 'the database is unavailable; try again shortly', { cause: err })
    : undefined;
}
