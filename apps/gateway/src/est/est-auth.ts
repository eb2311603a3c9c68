import { X509Certificate, createHash } from 'node:crypto';
import { splitPemChain, verifySecret } from '@certctl/pki';

/** The user and password of an `Authorization: Basic` header, or null when there is none or it is malformed. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface LockoutPolicy {
  /** Failures within `windowMs` that lock the client out. */
  maxFailures: number;
  windowMs: number;
  /** How long a locked-out client is refused, even with the right password. */
  lockMs: number;
}

/**
 * Failed Basic authentications per (profile, client address), in this gateway's memory: a
 * client with `maxFailures` failures within the window is refused for `lockMs`. Several gateway
 * replicas each count their own (a client spread over N replicas gets N times the tries);
 * bounded to 100 000 tracked clients, the oldest dropped first.
 */
export class BasicLockout {
  private readonly entries = new Map<string, { failures: number[]; lockedUntil: number }>();

  constructor(
    private readonly policy: LockoutPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the client is still locked out for; 0 when it may try. */
  lockedFor(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.lockedUntil - this.now()) : 0;
  }

  /** Counts a failure; true when it locks the client out. */
  fail(key: string): boolean {
    const now = this.now();
    const entry = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
    entry.failures = [...entry.failures.filter((at) => now - at < this.policy.windowMs), now];
    if (entry.failures.length >= this.policy.maxFailures) {
      entry.lockedUntil = now + this.policy.lockMs;
      entry.failures = [];
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > 100_000) this.entries.delete(this.entries.keys().next().value!);
    return entry.lockedUntil > now;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * Password checks against a scrypt verifier, with the digests of recently verified
 * (verifier, password) pairs remembered for `ttlMs` so that a device enrolling again does not
 * pay the KDF each time (what is kept is a SHA-256, never the password).
 */
export class VerifiedPasswords {
  private readonly verified = new Map<string, number>();
  /** Checks under way: a fleet enrolling at once with one password pays the KDF once, not once per device. */
  private readonly checking = new Map<string, Promise<boolean>>();

  constructor(private readonly ttlMs = 300_000) {}

  async check(password: string, verifier: string): Promise<boolean> {
    const key = createHash('sha256').update(verifier).update('\0').update(password).digest('base64');
    const until = this.verified.get(key);
    if (until && until > Date.now()) return true;
    const pending = this.checking.get(key) ?? this.verify(key, password, verifier);
    this.checking.set(key, pending);
    return pending;
  }

  private async verify(key: string, password: string, verifier: string): Promise<boolean> {
    try {
      if (!(await verifySecret(password, verifier))) return false;
      if (this.verified.size > 10_000) this.verified.clear();
      this.verified.set(key, Date.now() + this.ttlMs);
      return true;
    } finally {
      this.checking.delete(key);
    }
  }
}

/**
 * Whether a client certificate chains to one of the trust anchors (PEM bundle), through the
 * intermediates the client presented; every certificate on the path must be within its validity.
 * Signatures are checked with node's X509Certificate (OpenSSL).
 */
export function chainsToTrust(leaf: X509Certificate, presented: X509Certificate[], trustPem: string, now = new Date()): boolean {
  let anchors: X509Certificate[];
  try {
    anchors = splitPemChain(trustPem).map((pem) => new X509Certificate(pem));
  } catch {
    return false;
  }
  const valid = (c: X509Certificate) => new Date(c.validFrom) <= now && now <= new Date(c.validTo);
  const issuedBy = (child: X509Certificate, parent: X509Certificate) => child.checkIssued(parent) && child.verify(parent.publicKey);
  let current = leaf;
  for (let depth = 0; depth < 5; depth++) {
    if (!valid(current)) return false;
    const anchor = anchors.find((a) => a.fingerprint256 === current.fingerprint256 || issuedBy(current, a));
    if (anchor) return valid(anchor);
    const next = presented.find((c) => c.fingerprint256 !== current.fingerprint256 && issuedBy(current, c));
    if (!next) return false;
    current = next;
  }
  return false;
}
