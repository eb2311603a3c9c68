// Name resolution for the validators: A and AAAA through a node Resolver (the configured
// DNS server or the system's), every address checked against the address policy.
import { Resolver } from 'node:dns/promises';
import { parseIp, refusedAddress } from '@certctl/platform';
import type { AcmeProblemType, ValidatorOptions } from './types';

/** What one validation carries: its options, its resolver, its deadline and its address policy. */
export interface ValidationContext {
  opts: ValidatorOptions;
  resolver: Resolver;
  signal: AbortSignal;
  /** Null when the address may be connected to, else why not. */
  refused: (address: string) => string | null;
}

/** A context with the options' policy (tests may pass another one to stand for a public address). */
export function validationContext(
  opts: ValidatorOptions,
  signal: AbortSignal,
  refused = (address: string) => refusedAddress(address, opts.allowPrivateAddresses),
): ValidationContext {
  // Each try waits a third of the budget, so a lost UDP answer is retried within it.
  const resolver = new Resolver({ timeout: Math.max(200, Math.floor(opts.timeoutMs / 3)), tries: 2 });
  if (opts.dnsServer) resolver.setServers([opts.dnsServer]);
  return { opts, resolver, signal, refused };
}

export class ProblemError extends Error {
  constructor(
    readonly type: AcmeProblemType,
    detail: string,
  ) {
    super(detail);
  }
}

/** Rejects with an AbortError when the validation's deadline passes first; runs onAbort then. */
export function abortable<T>(signal: AbortSignal, p: Promise<T>, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

const NO_DATA = new Set(['ENODATA', 'ENOTFOUND']);

/** A DNS failure as a problem detail: "NXDOMAIN", "SERVFAIL", "timeout", ... */
export function dnsErrorText(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  const text: Record<string, string> = {
    ENOTFOUND: 'NXDOMAIN',
    ENODATA: 'no records',
    ESERVFAIL: 'SERVFAIL',
    EREFUSED: 'REFUSED',
    ETIMEOUT: 'timeout',
    ECONNREFUSED: 'DNS server refused the connection',
    ECANCELLED: 'cancelled',
  };
  return text[code] ?? `${code || 'error'}: ${(err as Error).message}`;
}

async function lookup(ctx: ValidationContext, kind: 'A' | 'AAAA', name: string): Promise<{ addresses: string[]; error?: unknown }> {
  try {
    const q = kind === 'A' ? ctx.resolver.resolve4(name) : ctx.resolver.resolve6(name);
    return { addresses: await abortable(ctx.signal, q, () => ctx.resolver.cancel()) };
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    return { addresses: [], error };
  }
}

export interface ResolvedHost {
  /** Every address found (or the IP literal itself). */
  resolved: string[];
  /** The ones the policy allows, in the order to try: the first IPv6, then the first IPv4. */
  candidates: string[];
}

/**
 * Resolves a host name (or takes an IP literal as is) and keeps the addresses the policy
 * allows. Throws ProblemError: `dns` when nothing resolves, `refusedType` when every address is
 * refused by the policy.
 */
export async function resolveHost(ctx: ValidationContext, host: string, refusedType: AcmeProblemType): Promise<ResolvedHost> {
  let resolved: string[];
  const literal = parseIp(host);
  if (literal) {
    resolved = [host.replace(/^\[|\]$/g, '')];
  } else {
    const [v6, v4] = await Promise.all([lookup(ctx, 'AAAA', host), lookup(ctx, 'A', host)]);
    resolved = [...v6.addresses, ...v4.addresses];
    if (resolved.length === 0) {
      const hard = [v6.error, v4.error].find((e) => e && !NO_DATA.has((e as { code?: string }).code ?? ''));
      const nx = (v4.error as { code?: string } | undefined)?.code === 'ENOTFOUND';
      const why = hard ? dnsErrorText(hard) : nx ? 'NXDOMAIN' : 'no A or AAAA records';
      throw new ProblemError('dns', `DNS problem: ${why} looking up A/AAAA for ${host}`);
    }
  }
  const refused: string[] = [];
  const allowed = resolved.filter((a) => {
    const why = ctx.refused(a);
    if (why) refused.push(why);
    return !why;
  });
  if (allowed.length === 0) {
    throw new ProblemError(refusedType, `${host}: no address this server may connect to (${refused.join('; ')})`);
  }
  const v6 = allowed.find((a) => parseIp(a)!.family === 6);
  const v4 = allowed.find((a) => parseIp(a)!.family === 4);
  return { resolved, candidates: [v6, v4].filter((a): a is string => a !== undefined) };
}

/**
 * Runs `attempt` on the candidates in order (IPv6 first), moving to the next only when a
 * connection could not be made; records the address used. Resolves to the attempt's value or
 * to the last error (rethrowing only when the deadline passed).
 */
export async function tryAddresses<T>(
  ctx: ValidationContext,
  candidates: string[],
  record: { addressUsed?: string },
  attempt: (address: string) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let error: unknown = new Error('no address to try');
  for (const address of candidates) {
    record.addressUsed = address;
    try {
      return { ok: true, value: await attempt(address) };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      error = err;
      if (!isConnectError(err)) break;
    }
  }
  return { ok: false, error };
}

/** True for failures before any answer (refused, reset, unreachable): the next address is tried. */
export function isConnectError(err: unknown): boolean {
  if ((err as { tlsHandshake?: boolean }).tlsHandshake) return false;
  const code = (err as { code?: string }).code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'EPIPE'].includes(code);
}
