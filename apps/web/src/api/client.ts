import type { paths } from './schema';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = paths[P][M];
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;
type Success<R> = R extends { 200: infer A }
  ? Json<A>
  : R extends { 201: infer B }
    ? Json<B>
    : R extends { 202: infer C }
      ? Json<C>
      : undefined;

/** The JSON answer of a route, as docs/openapi.json declares it. */
export type ResponseOf<P extends keyof paths, M extends Method> = Op<P, M> extends { responses: infer R } ? Success<R> : never;
/** The query parameters of a route. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
/** The JSON body of a route. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Op<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** One field a 400/422 problem names (`errors[]`): `san_rules.max_sans`, `allowed_key_algorithms.0.min_size`. */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem from the gateway, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly type: string = '',
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

export interface RequestOptions<P extends keyof paths, M extends Method> {
  params?: Record<string, string>;
  query?: QueryOf<P, M>;
  body?: BodyOf<P, M>;
}

/** Fills `{id}` style placeholders and appends the query string (empty values left out). */
export function buildUrl(path: string, params: Record<string, string> = {}, query: object = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}

/** One typed call to the REST API with the signed-in key as Bearer. */
export async function request<P extends keyof paths, M extends Method>(
  apiKey: string,
  method: M,
  path: P,
  options: RequestOptions<P, M> = {},
): Promise<ResponseOf<P, M>> {
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(buildUrl(path as string, options.params, options.query ?? {}), {
      method: method.toUpperCase(),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (err) {
    throw new ApiError(0, 'Network error', `The gateway could not be reached: ${(err as Error).message}`);
  }
  const text = await res.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const problem = (body ?? {}) as { title?: string; detail?: string; type?: string; errors?: unknown };
    const errors = Array.isArray(problem.errors) ? (problem.errors as FieldError[]) : [];
    throw new ApiError(res.status, problem.title ?? res.statusText, problem.detail ?? text.slice(0, 300), problem.type, errors);
  }
  return body as ResponseOf<P, M>;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
