import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getLogger } from '@certctl/observability';
import { parseSigningKey, parseVerifyKeys } from './principal-token';

/** How a service authenticates on the bus; every field is optional (no credentials: an open bus, with a warning). */
export interface BusAuthOptions {
  /** This service's NATS user and password (NATS_USER / NATS_PASSWORD). */
  user?: string;
  password?: string;
  /** CA bundle of the NATS server's certificate (NATS_TLS_CA_FILE): TLS to NATS. */
  tlsCaFile?: string;
  /** This service's Ed25519 key for the principals it asserts (CERTCTL_PRINCIPAL_SIGNING_KEY). */
  signingKey?: string;
  /** The gateway's verify key (CERTCTL_PRINCIPAL_VERIFY_KEY). */
  verifyKey?: string;
  /** Verify keys of other signers, `service=key,…` (CERTCTL_PRINCIPAL_VERIFY_KEYS). */
  verifyKeys?: string;
}

const envValue = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The bus settings from the environment (blank counts as unset). */
export function busAuthFromEnv(env: Record<string, unknown> = process.env): BusAuthOptions {
  return {
    user: envValue(env.NATS_USER),
    password: envValue(env.NATS_PASSWORD),
    tlsCaFile: envValue(env.NATS_TLS_CA_FILE),
    signingKey: envValue(env.CERTCTL_PRINCIPAL_SIGNING_KEY),
    verifyKey: envValue(env.CERTCTL_PRINCIPAL_VERIFY_KEY),
    verifyKeys: envValue(env.CERTCTL_PRINCIPAL_VERIFY_KEYS),
  };
}

/**
 * How long the first connection to NATS may take before the service gives up: long enough for
 * a loaded node (a dial answered slowly is not a dead bus), short enough that a wrong address
 * still stops the start with a clear line.
 */
export const NATS_CONNECT_TIMEOUT_MS = 60_000;

/**
 * How often the client pings the server, and how many unanswered pings make the connection stale
 * (it is then dropped and dialled again): a server gone without a word (a partition, a host lost
 * with no RST) is noticed within about a minute instead of the client's default 4 to 6 minutes.
 */
export const NATS_PING_INTERVAL_MS = 20_000;
export const NATS_MAX_PINGS_OUT = 3;

/** The connection options of the NATS client for these settings. */
export function natsConnectionOptions(o: BusAuthOptions): {
  user?: string;
  pass?: string;
  tls?: { caFile: string };
  timeout: number;
  pingInterval: number;
  maxPingOut: number;
} {
  return {
    timeout: NATS_CONNECT_TIMEOUT_MS,
    pingInterval: NATS_PING_INTERVAL_MS,
    maxPingOut: NATS_MAX_PINGS_OUT,
    ...(o.user ? { user: o.user, pass: o.password ?? '' } : {}),
    ...(o.tlsCaFile ? { tls: { caFile: o.tlsCaFile } } : {}),
  };
}

/** Parsed keys of the principal signatures. Bad key material fails the start with a clear message. */
export interface PrincipalKeys {
  signing?: { signer: string; key: KeyObject };
  verify: Map<string, KeyObject>;
}

export function principalKeys(service: string, o: BusAuthOptions): PrincipalKeys {
  let signing: PrincipalKeys['signing'];
  try {
    if (o.signingKey) signing = { signer: service, key: parseSigningKey(o.signingKey) };
  } catch (err) {
    throw new Error(`CERTCTL_PRINCIPAL_SIGNING_KEY: ${(err as Error).message}`);
  }
  let verify: Map<string, KeyObject>;
  try {
    verify = parseVerifyKeys(o.verifyKey, o.verifyKeys);
  } catch (err) {
    throw new Error(`CERTCTL_PRINCIPAL_VERIFY_KEY(S): ${(err as Error).message}`);
  }
  return { signing, verify };
}

let warned = false;
/** Once per process: says which protections are off. */
export function warnIfOpen(service: string, o: BusAuthOptions, keys: PrincipalKeys): void {
  if (warned) return;
  warned = true;
  const off: string[] = [];
  if (!o.user) off.push('NATS_USER/NATS_PASSWORD unset: connecting to NATS without credentials');
  if (keys.verify.size === 0) off.push('CERTCTL_PRINCIPAL_VERIFY_KEY unset: actors of incoming requests are not verified');
  if (off.length)
    getLogger().warn({ service, problems: off }, 'the message bus is not authenticated (docs/architecture.md, "Bus credentials")');
}

/** Reads a CA file once so a bad path fails at start, not at the first reconnect. */
export function checkTlsCaFile(o: BusAuthOptions): void {
  if (o.tlsCaFile) readFileSync(o.tlsCaFile);
}
