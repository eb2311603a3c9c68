/** Exit statuses of `certctl`, by kind of failure (docs/cli.md, "Exit codes"). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  conflict: 5,
  server: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the CLI reports as one line and an exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly problem?: ProblemDocument,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The RFC 9457 problem document the gateway answers errors with. */
export interface ProblemDocument {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field?: string; message?: string }[];
}

/** The exit status for an HTTP status (and the problem type, whose code is the last part of its URN). */
export function exitCodeFor(status: number, problemType?: string): ExitCode {
  const code = problemType?.startsWith('urn:certctl:error:') ? problemType.slice('urn:certctl:error:'.length) : undefined;
  if (code === 'unauthorized' || code === 'forbidden' || status === 401 || status === 403) return ExitCode.auth;
  if (code === 'not_found' || status === 404) return ExitCode.notFound;
  if (code === 'conflict' || code === 'illegal_transition' || status === 409) return ExitCode.conflict;
  if (code === 'validation_failed' || code === 'bad_request' || status === 400 || status === 422 || status === 413) return ExitCode.usage;
  if (status >= 500 || status === 429) return ExitCode.server;
  return ExitCode.failure;
}

/** One readable line for a problem: `title: detail` plus the fields that were wrong. */
export function problemLine(status: number, body: unknown): string {
  const problem = (body && typeof body === 'object' ? body : {}) as ProblemDocument;
  const title = problem.title ?? `HTTP ${status}`;
  const detail = problem.detail ?? (typeof body === 'string' && body.trim() ? body.trim().slice(0, 200) : '');
  const fields = (problem.errors ?? [])
    .map((e) => [e.field, e.message].filter(Boolean).join(' '))
    .filter(Boolean)
    .join('; ');
  const line = detail ? `${title}: ${detail}` : title;
  return (fields && !line.includes(fields) ? `${line} (${fields})` : line).replace(/\s*\n\s*/g, ' ');
}

/** The CliError for an HTTP error answer. */
export function problemError(status: number, body: unknown): CliError {
  const problem = body && typeof body === 'object' ? (body as ProblemDocument) : undefined;
  return new CliError(problemLine(status, body), exitCodeFor(status, problem?.type), problem, status);
}
