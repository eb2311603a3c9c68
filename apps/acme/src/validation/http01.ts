// http-01 (RFC 8555 §8.3): GET http://<name>:<port>/.well-known/acme-challenge/<token>,
// connecting only to addresses the policy allows, following bounded redirects whose every
// target is resolved and checked again.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { parseIp } from '@certctl/platform';
import { isValidToken, preview, trimHttp01Body } from './key-authorization';
import { ProblemError, resolveHost, tryAddresses, type ValidationContext } from './resolve';
import { fail, type ValidationRecord, type ValidationRequest, type ValidationResult } from './types';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Fetched {
  status: number;
  location?: string;
  body: Buffer;
  oversize: boolean;
}

function fetchOnce(ctx: ValidationContext, url: URL, address: string): Promise<Fetched> {
  const family = parseIp(address)!.family;
  // The name is connected to through this lookup, so the address checked is the one used.
  const lookup: LookupFunction = (_host, options, cb) => {
    if (options.all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const isIp = parseIp(host) !== null;
  const secure = url.protocol === 'https:';
  const options: https.RequestOptions = {
    host: isIp ? address : host,
    port: Number(url.port || (secure ? 443 : 80)),
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: { Host: url.host, 'User-Agent': 'certctl-acme-validator/1', Accept: '*/*', Connection: 'close' },
    lookup,
    agent: false,
    signal: ctx.signal,
    // RFC 8555 §10.2: a redirect to https is followed without checking its certificate.
    ...(secure ? { rejectUnauthorized: false, servername: isIp ? undefined : host } : {}),
  };
  const max = ctx.opts.maxBodyBytes;
  return new Promise<Fetched>((resolve, reject) => {
    const req = (secure ? https : http).request(options, (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        res.destroy();
        resolve({ status, location: res.headers.location, body: Buffer.alloc(0), oversize: false });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          res.destroy();
          resolve({ status, body: Buffer.concat(chunks), oversize: true });
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status, body: Buffer.concat(chunks), oversize: false }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function describeError(err: unknown): { type: 'connection' | 'tls'; text: string } {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const tls = code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO' || /SSL|TLS/.test(e.message ?? '');
  return { type: tls ? 'tls' : 'connection', text: `${code ? `${code}: ` : ''}${e.message ?? String(err)}` };
}

/** The port a URL of the validator may use (omitted = the configured one), or null when it may not. */
function allowedPort(ctx: ValidationContext, url: URL): number | null {
  const configured = url.protocol === 'http:' ? ctx.opts.http01Port : url.protocol === 'https:' ? ctx.opts.tlsAlpn01Port : null;
  if (configured === null) return null;
  if (url.port === '') return configured;
  return Number(url.port) === configured ? configured : null;
}

export async function validateHttp01(ctx: ValidationContext, req: ValidationRequest): Promise<ValidationResult> {
  const start = challengeUrl(ctx, req);
  if (!(start instanceof URL)) return start;
  const records: ValidationRecord[] = [];
  const seen = new Set<string>();
  for (let hop = 0, url = start; ; hop++) {
    seen.add(url.href);
    const fetched = await fetchHop(ctx, url, hop, records);
    if ('ok' in fetched) return fetched;
    if (!REDIRECTS.has(fetched.status)) return checkResponse(ctx, req, url, fetched, records);
    const next = redirectTarget(ctx, url, fetched, { seen, hop, records });
    if (!(next instanceof URL)) return next;
    url = next;
  }
}

/** http://<identifier>:<port>/.well-known/acme-challenge/<token>, or why there is none. */
function challengeUrl(ctx: ValidationContext, req: ValidationRequest): URL | ValidationResult {
  const { identifier } = req;
  if (identifier.value.startsWith('*.')) return fail('malformed', 'http-01 cannot validate a wildcard identifier (use dns-01)');
  if (!isValidToken(req.token)) return fail('malformed', 'the challenge token is not base64url');
  const hostPart = identifier.type === 'ip' && parseIp(identifier.value)?.family === 6 ? `[${identifier.value}]` : identifier.value;
  try {
    return new URL(`http://${hostPart}:${ctx.opts.http01Port}/.well-known/acme-challenge/${req.token}`);
  } catch {
    return fail('malformed', `"${preview(identifier.value)}" is not a host name or IP address`);
  }
}

/** One hop: the host resolved and checked by the address policy, then fetched from an allowed address (recorded). */
async function fetchHop(ctx: ValidationContext, url: URL, hop: number, records: ValidationRecord[]): Promise<Fetched | ValidationResult> {
  const port = allowedPort(ctx, url)!;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const record: ValidationRecord = { url: url.href, hostname, port: String(port) };
  records.push(record);
  let target;
  try {
    // The identifier itself refused → rejectedIdentifier; a redirect target refused → connection.
    target = await resolveHost(ctx, hostname, hop === 0 ? 'rejectedIdentifier' : 'connection');
  } catch (err) {
    if (err instanceof ProblemError) {
      const detail = hop === 0 ? err.message : `redirect to ${url.href} refused: ${err.message}`;
      return fail(err.type, detail, records);
    }
    throw err;
  }
  record.addressesResolved = target.resolved;
  const fetchUrl = new URL(url.href);
  fetchUrl.port = String(port);
  const attempt = await tryAddresses(ctx, target.candidates, record, (address) => fetchOnce(ctx, fetchUrl, address));
  if (!attempt.ok) {
    const { type, text } = describeError(attempt.error);
    return fail(type, `fetching ${url.href} (${record.addressUsed}): ${text}`, records);
  }
  return attempt.value;
}

/** Where a redirect leads, when it may be followed: http or https on the allowed ports, no loop, not too many. */
function redirectTarget(
  ctx: ValidationContext,
  url: URL,
  res: Fetched,
  trail: { seen: Set<string>; hop: number; records: ValidationRecord[] },
): URL | ValidationResult {
  const { seen, hop, records } = trail;
  if (!res.location) return fail('connection', `${url.href} answered ${res.status} without a Location header`, records);
  let next: URL;
  try {
    next = new URL(res.location, url);
  } catch {
    return fail('connection', `${url.href} redirected to an invalid URL "${preview(res.location)}"`, records);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    return fail('connection', `redirect to ${preview(next.href)} refused: only http and https are followed`, records);
  }
  if (allowedPort(ctx, next) === null) {
    const ports = `${ctx.opts.http01Port} for http, ${ctx.opts.tlsAlpn01Port} for https`;
    return fail('connection', `redirect to ${preview(next.href)} refused: only ports ${ports} are followed`, records);
  }
  if (seen.has(next.href)) return fail('connection', `redirect loop: ${url.href} → ${next.href}`, records);
  if (hop + 1 > ctx.opts.maxRedirects) return fail('connection', `too many redirects (more than ${ctx.opts.maxRedirects})`, records);
  return next;
}

/** The final answer must be 200 with the key authorization (trailing whitespace allowed) and no more. */
function checkResponse(
  ctx: ValidationContext,
  req: ValidationRequest,
  url: URL,
  res: Fetched,
  records: ValidationRecord[],
): ValidationResult {
  if (res.status !== 200) {
    const body = res.body.toString('utf8');
    return fail('unauthorized', `invalid response from ${url.href}: HTTP ${res.status}${body ? `, body "${preview(body)}"` : ''}`, records);
  }
  if (res.oversize) {
    return fail('incorrectResponse', `the response from ${url.href} is larger than ${ctx.opts.maxBodyBytes} bytes`, records);
  }
  const body = trimHttp01Body(res.body.toString('utf8'));
  if (body !== req.keyAuthorization) {
    const expected = `expected "${preview(req.keyAuthorization)}"`;
    return fail('incorrectResponse', `the key authorization from ${url.href} does not match: got "${preview(body)}", ${expected}`, records);
  }
  return { ok: true, validationRecord: records };
}
