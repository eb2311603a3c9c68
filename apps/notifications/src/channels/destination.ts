// Where a notification may be delivered: webhook and SMTP destinations go through the same
// address policy as the ACME validators (libs/platform address-policy). A host name is
// resolved once per attempt and the connection is pinned to the address that was checked,
// so a name cannot resolve to a public address for the check and a private one for the send.
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import type { FieldError } from '@certctl/contracts';
import { parseIp, refusedAddress } from '@certctl/platform';
import { DeliveryError } from './channel.types';

export interface DestinationPolicy {
  /** CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES */
  allowPrivateAddresses: boolean;
  /** CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH */
  smtpAllowPlaintextAuth: boolean;
  /** Name resolution (tests may stand in for DNS); default: the system resolver (getaddrinfo). */
  resolve?: (host: string) => Promise<string[]>;
}

const HINT = ' (set CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES=true to allow private destinations)';

export interface PinnedAddress {
  /** The host as written (no brackets). */
  host: string;
  address: string;
  family: 4 | 6;
  /** True when the host was an IP literal. */
  literal: boolean;
}

async function systemResolve(host: string): Promise<string[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeliveryError(`${what} timed out`, { retryable: true })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves `host` (or takes an IP literal as is) and returns the first address the policy
 * allows; DeliveryError when nothing resolves (retryable: DNS may recover) or every address
 * is refused (not retryable).
 */
export async function pinDestination(hostText: string, policy: DestinationPolicy, timeoutMs: number): Promise<PinnedAddress> {
  const host = hostText.replace(/^\[|\]$/g, '');
  const literal = parseIp(host);
  let addresses: string[];
  if (literal) addresses = [host];
  else {
    try {
      addresses = await withTimeout((policy.resolve ?? systemResolve)(host), timeoutMs, `resolving ${host}`);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      throw new DeliveryError(`cannot resolve ${host}: ${(err as { code?: string }).code ?? 'error'}`, { retryable: true });
    }
    if (addresses.length === 0) throw new DeliveryError(`cannot resolve ${host}: no addresses`, { retryable: true });
  }
  const refused: string[] = [];
  for (const address of addresses) {
    const ip = parseIp(address);
    if (!ip) continue;
    const why = refusedAddress(address, policy.allowPrivateAddresses);
    if (why) refused.push(why);
    else return { host, address, family: ip.family, literal: literal !== null };
  }
  // The policy refuses every address: only a change of configuration can make this succeed.
  throw new DeliveryError(`destination ${host} refused: ${refused.join('; ') || 'no usable address'}${HINT}`, { retryable: false });
}

/** A lookup that answers every name with the pinned address (so the checked address is the one connected to). */
export function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return (_host, options, cb) => {
    if (options.all) {
      (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: pinned.address, family: pinned.family },
      ]);
    } else cb(null, pinned.address, pinned.family);
  };
}

/** Why a literal IP destination is refused (checked when a channel is created), else null. Names are checked at delivery. */
export function refusedLiteral(hostText: string, allowPrivateAddresses: boolean): string | null {
  const host = hostText.replace(/^\[|\]$/g, '');
  if (!parseIp(host)) return null;
  const why = refusedAddress(host, allowPrivateAddresses);
  return why ? `${why}${allowPrivateAddresses ? '' : HINT}` : null;
}

/** Problems of a channel's destinations and transport security, reported when it is created. */
export function destinationProblems(
  type: string,
  config: { url?: string; smtp_host?: string; smtp_user?: string; starttls?: boolean },
  hasSecret: boolean,
  policy: Pick<DestinationPolicy, 'allowPrivateAddresses' | 'smtpAllowPlaintextAuth'>,
): FieldError[] {
  const out: FieldError[] = [];
  if (config.url) {
    let host: string | null = null;
    try {
      host = new URL(config.url).hostname;
    } catch {
      out.push({ field: 'config.url', message: 'is not a valid URL' });
    }
    if (host !== null) {
      if (!host) out.push({ field: 'config.url', message: 'has no host' });
      const why = host ? refusedLiteral(host, policy.allowPrivateAddresses) : null;
      if (why) out.push({ field: 'config.url', message: why });
    }
  }
  if (type === 'email' && config.smtp_host) {
    const why = refusedLiteral(config.smtp_host, policy.allowPrivateAddresses);
    if (why) out.push({ field: 'config.smtp_host', message: why });
  }
  if (type === 'email' && config.smtp_user && hasSecret && config.starttls !== true && !policy.smtpAllowPlaintextAuth) {
    out.push({
      field: 'config.starttls',
      message: 'must be true when an SMTP password is set (or set CERTCTL_NOTIFY_SMTP_ALLOW_PLAINTEXT_AUTH=true)',
    });
  }
  return out;
}
