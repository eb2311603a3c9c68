import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BUS_SERVICES, type BusService, busUsageOf } from '@certctl/contracts';
import { type BusCredentials, natsServerConfig } from './nats-permissions';
import { carriesActor, generatePrincipalKeyPair } from './principal-token';

/**
 * The bus secrets of one installation: a NATS user per service and an Ed25519 key pair per
 * service that asserts actors. `npm start` keeps them in <data dir>/bus-credentials.json
 * (mode 0600); a deployment passes each service its own part through the environment.
 */
export interface BusSecrets {
  nats: BusCredentials;
  principal: Partial<Record<BusService, { signingKey: string; verifyKey: string }>>;
}

/** Services that call a contract whose request names an actor: they sign principals. */
export function principalSigners(): BusService[] {
  return BUS_SERVICES.filter((s) => busUsageOf(s).calls.some(carriesActor));
}

const secret = () => randomBytes(24).toString('base64url');

export function generateBusSecrets(): BusSecrets {
  return {
    nats: Object.fromEntries(BUS_SERVICES.map((s) => [s, { user: s, password: secret() }])) as BusCredentials,
    principal: Object.fromEntries(principalSigners().map((s) => [s, generatePrincipalKeyPair()])),
  };
}

function writePrivate(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * Reads the secrets file, creating it (0600) when missing and completing it when a service
 * or signer was added since: existing passwords and keys are kept.
 */
export function ensureBusSecrets(file: string): BusSecrets {
  const fresh = generateBusSecrets();
  if (!existsSync(file)) {
    writePrivate(file, JSON.stringify(fresh, null, 2));
    return fresh;
  }
  const have = JSON.parse(readFileSync(file, 'utf8')) as BusSecrets;
  const merged: BusSecrets = { nats: { ...fresh.nats, ...have.nats }, principal: { ...fresh.principal, ...have.principal } };
  if (JSON.stringify(merged) !== JSON.stringify(have)) writePrivate(file, JSON.stringify(merged, null, 2));
  return merged;
}

export function readBusSecrets(file: string): BusSecrets {
  return JSON.parse(readFileSync(file, 'utf8')) as BusSecrets;
}

/** The nats-server configuration (authorization block) for these secrets, written 0600. */
export function writeNatsConfig(file: string, secrets: BusSecrets, extra: string[] = []): string {
  const text = natsServerConfig(secrets.nats, extra);
  writePrivate(file, text);
  return text;
}

/**
 * The environment one service needs on the bus: its NATS user, its signing key when it
 * asserts actors, and the verify keys of every signer (the gateway's in CERTCTL_PRINCIPAL_VERIFY_KEY).
 */
export function busEnvFor(service: string, secrets: BusSecrets): Record<string, string> {
  const env: Record<string, string> = {};
  const user = secrets.nats[service as BusService];
  if (user) Object.assign(env, { NATS_USER: user.user, NATS_PASSWORD: user.password });
  const own = secrets.principal[service as BusService];
  if (own) env.CERTCTL_PRINCIPAL_SIGNING_KEY = own.signingKey;
  const { gateway, ...others } = secrets.principal;
  if (gateway) env.CERTCTL_PRINCIPAL_VERIFY_KEY = gateway.verifyKey;
  const list = Object.entries(others).map(([s, k]) => `${s}=${k!.verifyKey}`);
  if (list.length) env.CERTCTL_PRINCIPAL_VERIFY_KEYS = list.join(',');
  return env;
}
