// How the stepca connector talks to step-ca: HTTPS with the configured trust (a CA bundle, or
// the root fetched from /root/<fingerprint> and checked against the fingerprint), the JWK
// provisioner key (decrypted once per config), and one-time tokens signed with it.
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { type CryptoKey, type JWK, SignJWT, calculateJwkThumbprint, compactDecrypt, importJWK } from 'jose';
import { ConnectorError } from './connector';
import type { StepcaConfig } from './stepca-config';

/** step-ca's own default is 600,000 PBKDF2 iterations; far more than that is refused as a denial of service. */
const MAX_PBES2_ITERATIONS = 2_000_000;
const TOKEN_LIFETIME_SECONDS = 300;
/** How `step` seals provisioner keys with a password (jose accepts PBES2 only when named). */
const PBES2_ALGORITHMS = ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'];

export interface StepcaAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface ProvisionerKey {
  key: CryptoKey | Uint8Array;
  kid: string;
  alg: string;
}

/** A failure talking to step-ca: retryable when the CA may answer next time (network, 429, 5xx). */
function failure(what: string, status: number | null, message: string, cause?: unknown): ConnectorError {
  const detail = `step-ca ${what}: ${status === null ? '' : `${status} `}${message}`.trim();
  return status === null || status === 429 || status >= 500
    ? ConnectorError.retryable(detail, cause)
    : ConnectorError.terminal(detail, cause);
}

function send(
  config: StepcaConfig,
  ca: string | null,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${config.url}${path}`,
      {
        method,
        timeout: config.timeout_ms,
        // ca === null only for the fingerprint bootstrap, whose answer is checked by its hash.
        ...(ca === null ? { rejectUnauthorized: false } : { ca }),
        headers: { accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 4 * 1024 * 1024) req.destroy(new Error('answer larger than 4 MiB'));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${config.timeout_ms} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The cached promise of `key`, made once; a failed one is forgotten so the next call tries again. */
function once<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = make();
    cache.set(key, value);
    value.catch(() => cache.delete(key));
  }
  return value;
}

/** The PEM certificates the connection to step-ca trusts. */
export class StepcaTrust {
  private readonly roots = new Map<string, Promise<string>>();

  async caFor(config: StepcaConfig): Promise<string> {
    if (config.ca_bundle_pem) return config.ca_bundle_pem;
    return once(this.roots, `${config.url} ${config.root_fingerprint}`, () => this.fetchRoot(config));
  }

  /** `step ca bootstrap`: GET /root/<fingerprint> without TLS verification, then the answer must hash to the fingerprint. */
  private async fetchRoot(config: StepcaConfig): Promise<string> {
    const fingerprint = config.root_fingerprint!;
    let answer: { status: number; text: string };
    try {
      answer = await send(config, null, 'GET', `/root/${fingerprint}`);
    } catch (err) {
      throw failure('root download', null, (err as Error).message, err);
    }
    if (answer.status !== 200) throw failure('root download', answer.status, messageOf(answer.text));
    const pem = (parseJson(answer.text).ca as string | undefined) ?? '';
    let der: Buffer;
    try {
      der = new X509Certificate(pem).raw;
    } catch (err) {
      throw ConnectorError.terminal('step-ca root download: the answer holds no certificate', err);
    }
    if (createHash('sha256').update(der).digest('hex') !== fingerprint) {
      throw ConnectorError.terminal(`step-ca root download: the root served by ${config.url} does not have fingerprint ${fingerprint}`);
    }
    return pem;
  }
}

/** One JSON call to step-ca; a non-2xx answer or a transport failure is a ConnectorError naming `what`. */
export async function callStepca(
  trust: StepcaTrust,
  config: StepcaConfig,
  what: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<StepcaAnswer> {
  const ca = await trust.caFor(config);
  let answer: { status: number; text: string };
  try {
    answer = await send(config, ca, method, path, body);
  } catch (err) {
    throw failure(what, null, (err as Error).message, err);
  }
  if (answer.status < 200 || answer.status > 299) throw failure(what, answer.status, messageOf(answer.text));
  return { status: answer.status, body: parseJson(answer.text) };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** step-ca's error body is {"status":…, "message":"…"}. */
function messageOf(text: string): string {
  const message = parseJson(text).message;
  return (typeof message === 'string' ? message : text).trim().slice(0, 300) || '(empty answer)';
}

const ALG_BY_CURVE: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };

/** The provisioner's private key: decrypted from its JWE with the password (PBES2), or the JWK given as is. Cached per config. */
export class ProvisionerKeys {
  private readonly cache = new Map<string, Promise<ProvisionerKey>>();

  load(config: StepcaConfig): Promise<ProvisionerKey> {
    const material = JSON.stringify([config.provisioner_encrypted_key, config.provisioner_password, config.provisioner_jwk]);
    return once(this.cache, createHash('sha256').update(material).digest('hex'), () => readKey(config));
  }
}

async function readKey(config: StepcaConfig): Promise<ProvisionerKey> {
  let jwk: JWK;
  if (config.provisioner_jwk) {
    jwk = config.provisioner_jwk as JWK;
  } else {
    try {
      const password = new TextEncoder().encode(config.provisioner_password);
      const { plaintext } = await compactDecrypt(config.provisioner_encrypted_key!, password, {
        keyManagementAlgorithms: PBES2_ALGORITHMS,
        maxPBES2Count: MAX_PBES2_ITERATIONS,
      });
      jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
    } catch (err) {
      throw ConnectorError.terminal(
        `the provisioner key of ${config.provisioner} cannot be decrypted with the configured password (${(err as Error).message})`,
        err,
      );
    }
  }
  const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : ALG_BY_CURVE[jwk.crv ?? '']);
  if (!alg || !jwk.d) throw ConnectorError.terminal(`the provisioner key of ${config.provisioner} is not a private signing JWK`);
  try {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    const kid = jwk.kid ?? (await calculateJwkThumbprint(publicJwk));
    return { key: await importJWK(jwk, alg), kid, alg };
  } catch (err) {
    throw ConnectorError.terminal(`the provisioner key of ${config.provisioner} cannot be used: ${(err as Error).message}`, err);
  }
}

/** A one-time token (OTT) for one step-ca endpoint: iss = provisioner, aud = the endpoint URL, a fresh jti. */
export function oneTimeToken(
  key: ProvisionerKey,
  config: StepcaConfig,
  endpoint: '/1.0/sign' | '/1.0/revoke',
  subject: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(extra)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(config.provisioner)
    .setAudience(`${config.url}${endpoint}`)
    .setSubject(subject)
    .setJti(randomUUID())
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${TOKEN_LIFETIME_SECONDS}s`)
    .sign(key.key);
}
