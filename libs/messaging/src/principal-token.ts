import { type KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { type JWTPayload, SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { AppError, type Actor, BUS_SERVICES, type RpcContract } from '@certctl/contracts';

/** The NATS header carrying the signed principal of a request. */
export const PRINCIPAL_HEADER = 'x-certctl-principal';
/** Lifetime of a principal token: long enough for queueing and clock skew, short enough to be useless later. */
export const PRINCIPAL_TOKEN_TTL_S = 60;
const CLOCK_TOLERANCE_S = 5;
const ALG = 'EdDSA';
// PKCS#8 prefix of an Ed25519 private key: the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// SPKI prefix of an Ed25519 public key: the 32-byte key follows.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * Who may sign which actors: the gateway signs the principal of an authenticated API key
 * (any principal); any other service signs only its own actors, `<service>:…` (for example
 * acme's `acme:<account>`) or `system:<service>`.
 */
export function signerMayAssert(signer: string, actor: Actor): boolean {
  if (signer === 'gateway') return true;
  return actor.principal.startsWith(`${signer}:`) || actor.principal === `system:${signer}`;
}

/** An Ed25519 private key from a base64url 32-byte seed or a PKCS#8 PEM. */
export function parseSigningKey(value: string): KeyObject {
  const v = value.trim();
  if (v.startsWith('-----BEGIN')) return createPrivateKey(v);
  const seed = Buffer.from(v, 'base64url');
  if (seed.length !== 32) throw new Error('an Ed25519 signing key is 32 bytes (base64url) or a PKCS#8 PEM');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** An Ed25519 public key from a base64url 32-byte key or an SPKI PEM. */
export function parseVerifyKey(value: string): KeyObject {
  const v = value.trim();
  const key = v.startsWith('-----BEGIN')
    ? createPublicKey(v)
    : (() => {
        const raw = Buffer.from(v, 'base64url');
        if (raw.length !== 32) throw new Error('an Ed25519 verify key is 32 bytes (base64url) or an SPKI PEM');
        return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
      })();
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the principal verify key must be Ed25519');
  return key;
}

/** A fresh key pair in the environment's format (base64url seed, base64url public key). */
export function generatePrincipalKeyPair(): { signingKey: string; verifyKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(ED25519_PKCS8_PREFIX.length);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
  return { signingKey: seed.toString('base64url'), verifyKey: raw.toString('base64url') };
}

/** The verify keys of the signers: `CERTCTL_PRINCIPAL_VERIFY_KEY` (the gateway's) and `CERTCTL_PRINCIPAL_VERIFY_KEYS` (`service=key,…`). */
export function parseVerifyKeys(gatewayKey: string | undefined, others: string | undefined): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  if (gatewayKey?.trim()) keys.set('gateway', parseVerifyKey(gatewayKey));
  for (const entry of (others ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const i = entry.indexOf('=');
    const signer = entry.slice(0, i).trim();
    if (i <= 0 || !(BUS_SERVICES as readonly string[]).includes(signer))
      throw new Error(`CERTCTL_PRINCIPAL_VERIFY_KEYS: "${signer}" is no service`);
    keys.set(signer, parseVerifyKey(entry.slice(i + 1)));
  }
  return keys;
}

const actorShapes = new WeakMap<RpcContract, boolean>();
/** Whether a contract's request carries an `actor` ({principal, role}): such requests travel with a signed principal. */
export function carriesActor(contract: RpcContract): boolean {
  let known = actorShapes.get(contract);
  if (known === undefined) {
    const shape = (contract.request as { shape?: Record<string, unknown> }).shape;
    const actor = shape?.actor as { shape?: Record<string, unknown> } | undefined;
    known = Boolean(actor?.shape && 'principal' in actor.shape && 'role' in actor.shape);
    actorShapes.set(contract, known);
  }
  return known;
}

export const actorOfRequest = (payload: unknown): Actor | undefined => {
  const a = (payload as { actor?: unknown } | null)?.actor as Actor | undefined;
  return a && typeof a === 'object' && typeof a.principal === 'string' && typeof a.role === 'string' ? a : undefined;
};
/** SHA-256 of the request as it travels (its JSON), base64url: binds the token to one payload. */
export function payloadDigest(payload: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(payload) ?? '')
    .digest('base64url');
}

interface PrincipalClaims {
  principal: string;
  role: string;
  key_id?: string;
  req_sha256: string;
}

/** Signs the actor of one request to one subject. */
export async function signPrincipal(
  o: { signer: string; key: KeyObject },
  subject: string,
  actor: Actor,
  payload: unknown,
  keyId?: string,
): Promise<string> {
  const claims: PrincipalClaims = { principal: actor.principal, role: actor.role, req_sha256: payloadDigest(payload) };
  if (keyId) claims.key_id = keyId;
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: ALG, kid: o.signer })
    .setIssuer(o.signer)
    .setAudience(subject)
    .setIssuedAt()
    .setExpirationTime(`${PRINCIPAL_TOKEN_TTL_S}s`)
    .sign(o.key);
}

export interface VerifiedPrincipal {
  signer: string;
  principal: string;
  role: string;
  key_id?: string;
}

/**
 * Checks the principal token of a request: signed by a known signer allowed to assert this
 * actor, unexpired, for this subject, for exactly this payload, naming the payload's actor.
 * Throws AppError unauthorized (no or bad token) or forbidden (a valid token that does not
 * cover this request).
 */
export async function verifyPrincipal(
  keys: ReadonlyMap<string, KeyObject>,
  token: string | undefined,
  subject: string,
  actor: Actor,
  payload: unknown,
): Promise<VerifiedPrincipal> {
  if (!token) throw new AppError('unauthorized', `${subject}: the request carries no signed principal`);
  let claims: PrincipalClaims & JWTPayload;
  let signer: string;
  try {
    const out = await jwtVerify<PrincipalClaims>(
      token,
      (header) => {
        const k = header.kid ? keys.get(header.kid) : undefined;
        if (!k) throw new AppError('unauthorized', `${subject}: the principal is signed by an unknown signer`);
        return k;
      },
      { algorithms: [ALG], clockTolerance: CLOCK_TOLERANCE_S, maxTokenAge: `${PRINCIPAL_TOKEN_TTL_S + CLOCK_TOLERANCE_S}s` },
    );
    claims = out.payload;
    signer = String(out.protectedHeader.kid);
  } catch (err) {
    if (err instanceof AppError) throw err;
    const why =
      err instanceof joseErrors.JWTExpired
        ? 'has expired'
        : err instanceof joseErrors.JWSSignatureVerificationFailed
          ? 'has a bad signature'
          : 'is malformed';
    throw new AppError('unauthorized', `${subject}: the signed principal ${why}`);
  }
  if (claims.iss !== signer) throw new AppError('unauthorized', `${subject}: the principal's issuer does not match its key`);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud.length !== 1 || aud[0] !== subject) throw new AppError('forbidden', `${subject}: the signed principal is for another subject`);
  if (claims.principal !== actor.principal || claims.role !== actor.role) {
    throw new AppError('forbidden', `${subject}: the actor does not match its signed principal`);
  }
  if (claims.req_sha256 !== payloadDigest(payload))
    throw new AppError('forbidden', `${subject}: the signed principal is for another request`);
  if (!signerMayAssert(signer, actor)) throw new AppError('forbidden', `${subject}: ${signer} may not act as ${actor.principal}`);
  return { signer, principal: claims.principal, role: claims.role, ...(claims.key_id ? { key_id: claims.key_id } : {}) };
}
