import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CliError, ExitCode } from './errors';

export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  contentType: string;
  text: string;
}

/** What sends one HTTP request (a fake one in unit tests). */
export type Transport = (req: TransportRequest) => Promise<TransportResponse>;

/**
 * The HTTP transport of the CLI: node's http/https, trusting `ca` (PEM, from --ca-bundle) in
 * addition to nothing else when given, so a private CA's gateway certificate verifies.
 */
export function nodeTransport(opts: { ca?: string; timeoutMs?: number } = {}): Transport {
  const timeoutMs = opts.timeoutMs ?? 60000;
  return (req) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        { method: req.method, headers: req.headers, timeout: timeoutMs, ...(url.protocol === 'https:' && opts.ca ? { ca: opts.ca } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type'] ?? ''),
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', (err) => reject(new CliError(`Server unreachable: ${url.origin}: ${(err as Error).message}`, ExitCode.server)));
      if (req.body !== undefined) outgoing.write(req.body);
      outgoing.end();
    });
}
