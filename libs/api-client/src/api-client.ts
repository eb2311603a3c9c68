import { maskKey } from './credentials';
import { CliError, ExitCode, problemError } from './errors';
import type { Transport } from './transport';

export type Query = Record<string, string | number | undefined>;

export interface ApiClientOptions {
  server: string;
  apiKey?: string;
  transport: Transport;
  /** Where --verbose writes each request (the key masked); none by default. */
  debug?: (line: string) => void;
}

/** A page of a list route: `data` and the opaque cursor of the next page. */
export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

/** The gateway's REST API, as the CLI uses it: JSON in, JSON (or text) out, problems as CliError. */
export class ApiClient {
  constructor(private readonly opts: ApiClientOptions) {}

  async request<T = unknown>(method: string, path: string, init: { query?: Query; body?: unknown } = {}): Promise<T> {
    const text = await this.send(method, path, init);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** A route that answers text (PEM). */
  async text(path: string, query?: Query): Promise<string> {
    return this.send('GET', path, { query });
  }

  /** A route whose error answers are data too (readiness: 503 with its checks); never throws a problem. */
  async probe<T = unknown>(path: string): Promise<{ status: number; body: T | string }> {
    try {
      return { status: 200, body: await this.get<T>(path) };
    } catch (err) {
      if (!(err instanceof CliError) || !err.problem) throw err;
      return { status: err.status ?? 0, body: err.problem as T };
    }
  }

  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {} });
  }

  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** One page, or every page when `all` (following next_cursor until it ends). */
  async list<T>(path: string, query: Query, all: boolean): Promise<Page<T>> {
    const first = await this.get<Page<T>>(path, query);
    if (!all) return first;
    const data = [...first.data];
    let cursor = first.next_cursor;
    const seen = new Set<string>();
    while (cursor) {
      if (seen.has(cursor)) throw new CliError(`The server returned the cursor ${cursor} twice; stopping`, ExitCode.server);
      seen.add(cursor);
      const page = await this.get<Page<T>>(path, { ...query, cursor });
      data.push(...page.data);
      cursor = page.next_cursor;
    }
    return { data, next_cursor: null };
  }

  private async send(method: string, path: string, init: { query?: Query; body?: unknown }): Promise<string> {
    const url = new URL(path, this.opts.server.endsWith('/') ? this.opts.server : `${this.opts.server}/`);
    for (const [name, value] of Object.entries(init.query ?? {}))
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json, */*', 'user-agent': 'certctl-cli' };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.opts.debug?.(`> ${method} ${url.href} (api key ${maskKey(this.opts.apiKey)})`);
    const res = await this.opts.transport({ method, url: url.href, headers, body });
    this.opts.debug?.(`< ${res.status} ${res.contentType} ${res.text.length} bytes`);
    if (res.status >= 200 && res.status < 300) return res.text;
    let parsed: unknown = res.text;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      // not JSON: the text is the detail
    }
    throw problemError(res.status, parsed);
  }
}
