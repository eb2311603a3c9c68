import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A gateway answer that is not a success: the status and the problem's detail. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly problemType = '',
  ) {
    super(`HTTP ${status}: ${detail}`);
    this.name = 'GatewayError';
  }
}

export interface HttpOptions {
  baseUrl: string;
  /** PEM bundle trusted for the server's certificate (else the system's roots). */
  ca?: Buffer;
  timeoutMs?: number;
}

/** One JSON request over node:http(s); a non-2xx answer throws GatewayError, a network failure its Error. */
export function requestJson<T>(options: HttpOptions, method: string, path: string, bearer: string | undefined, body?: unknown): Promise<T> {
  const url = new URL(path, options.baseUrl);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<T>((resolve, reject) => {
    const req = send(url, { method, headers, ca: options.ca, timeout: options.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(parsed as T);
        const problem = (parsed ?? {}) as { detail?: string; title?: string; type?: string };
        reject(
          new GatewayError(status, problem.detail ?? problem.title ?? (text.slice(0, 200) || res.statusMessage || ''), problem.type ?? ''),
        );
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
