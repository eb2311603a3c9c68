import type { AcmeProfile } from '../profiles/profile-cache';

/** Every URL the ACME service hands out, from one base (https://host[:port]). */
export class AcmeUrls {
  constructor(
    readonly base: string,
    readonly profile: Pick<AcmeProfile, 'id' | 'isDefault'>,
  ) {}

  /** Profile-scoped endpoints: /acme/... for the default profile, /acme/profile/<id>/... otherwise. */
  private scoped(path: string): string {
    return this.profile.isDefault
      ? `${this.base}/acme/${path}`
      : `${this.base}/acme/profile/${encodeURIComponent(this.profile.id)}/${path}`;
  }

  get directory(): string {
    return this.scoped('directory');
  }
  get newNonce(): string {
    return this.scoped('new-nonce');
  }
  get newAccount(): string {
    return this.scoped('new-account');
  }
  get newOrder(): string {
    return this.scoped('new-order');
  }
  get revokeCert(): string {
    return this.scoped('revoke-cert');
  }
  get keyChange(): string {
    return this.scoped('key-change');
  }
  get renewalInfo(): string {
    return this.scoped('renewal-info');
  }
  account(id: string): string {
    return `${this.base}/acme/acct/${id}`;
  }
  accountOrders(id: string): string {
    return `${this.base}/acme/acct/${id}/orders`;
  }
  order(id: string): string {
    return `${this.base}/acme/order/${id}`;
  }
  finalize(id: string): string {
    return `${this.base}/acme/order/${id}/finalize`;
  }
  authz(id: string): string {
    return `${this.base}/acme/authz/${id}`;
  }
  challenge(id: string): string {
    return `${this.base}/acme/chall/${id}`;
  }
  certificate(id: string): string {
    return `${this.base}/acme/cert/${id}`;
  }
}

/** The account id out of a `kid` (account URL) this server issued under `base`; null when it is not one. */
export function accountIdOf(base: string, kid: string): string | null {
  const prefix = `${base}/acme/acct/`;
  if (!kid.startsWith(prefix)) return null;
  const id = kid.slice(prefix.length);
  return /^[A-Za-z0-9_-]{1,80}$/.test(id) ? id : null;
}

/** Where the ACME URLs may point: the hosts a client may name, and the base used for any other Host. */
export interface AcmeHostPolicy {
  /** Lowercased `host:port` (exact) or `host` (any port) a request's Host may name. */
  allowed: ReadonlySet<string>;
  /** https://host[:port] used when the base URL is configured or the Host is not allowed. */
  fallback: string;
  /** CERTCTL_ACME_BASE_URL is set: every URL is built from it, whatever the request says. */
  fixed: boolean;
}

export interface AcmeHostConfig {
  CERTCTL_ACME_BASE_URL?: string;
  CERTCTL_PUBLIC_BASE_URL: string;
  CERTCTL_ACME_ALLOWED_HOSTS: string[];
  CERTCTL_GATEWAY_PORT: number;
  CERTCTL_GATEWAY_TLS_PORT: number;
}

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 };
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `host:port` of a URL, the scheme's default port written out. */
function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname.toLowerCase()}:${u.port || DEFAULT_PORT[u.protocol] || 80}`;
}

/**
 * The Host allow-list: the configured public URLs (CERTCTL_ACME_BASE_URL, CERTCTL_PUBLIC_BASE_URL),
 * CERTCTL_ACME_ALLOWED_HOSTS, and the gateway's own listeners on the loopback names.
 */
export function acmeHostPolicy(config: AcmeHostConfig): AcmeHostPolicy {
  const allowed = new Set<string>();
  const base = (config.CERTCTL_ACME_BASE_URL ?? config.CERTCTL_PUBLIC_BASE_URL).replace(/\/+$/, '');
  allowed.add(hostPort(config.CERTCTL_PUBLIC_BASE_URL));
  if (config.CERTCTL_ACME_BASE_URL) allowed.add(hostPort(config.CERTCTL_ACME_BASE_URL));
  for (const entry of config.CERTCTL_ACME_ALLOWED_HOSTS) allowed.add(entry.toLowerCase());
  for (const port of [config.CERTCTL_GATEWAY_PORT, config.CERTCTL_GATEWAY_TLS_PORT]) {
    if (port > 0) for (const name of LOOPBACK_NAMES) allowed.add(`${name}:${port}`);
  }
  return { allowed, fallback: new URL(base).origin, fixed: Boolean(config.CERTCTL_ACME_BASE_URL) };
}

/**
 * The base URL for the ACME URLs of one request: the configured CERTCTL_ACME_BASE_URL, else the
 * scheme and Host the gateway forwarded (X-Forwarded-Proto/Host) when that Host is allowed,
 * else the configured public URL. A Host that is not allowed is never reflected.
 */
export function acmeBaseUrl(policy: AcmeHostPolicy, forwardedProto: string | undefined, host: string | undefined): string {
  if (policy.fixed || !host) return policy.fallback;
  const proto = forwardedProto === 'https' ? 'https' : 'http';
  if (!/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host)) return policy.fallback;
  let hp: string;
  try {
    hp = hostPort(`${proto}://${host}`);
  } catch {
    return policy.fallback;
  }
  const name = hp.slice(0, hp.lastIndexOf(':'));
  if (!policy.allowed.has(hp) && !policy.allowed.has(name)) return policy.fallback;
  return new URL(`${proto}://${host}`).origin;
}
