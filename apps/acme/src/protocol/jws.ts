import type { webcrypto } from 'node:crypto';
import { type FlattenedJWSInput, type JWK, calculateJwkThumbprint, flattenedVerify, importJWK } from 'jose';
import { AcmeError } from './errors';

export const JWS_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

export interface JwsProtectedHeader {
  alg: JwsAlgorithm;
  nonce?: string;
  url: string;
  jwk?: JWK;
  kid?: string;
}

export interface ParsedJws {
  input: FlattenedJWSInput;
  header: JwsProtectedHeader;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new AcmeError('malformed', `the JWS ${what} is not base64url-encoded JSON`);
  }
}

/**
 * Parses a flattened JWS (RFC 8555 §6.2): exactly one signature, a protected header with
 * an allowed `alg`, `url`, and exactly one of `kid` and `jwk`. Signature checks come later,
 * once the key is known.
 */
export function parseJws(body: unknown): ParsedJws {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new AcmeError('malformed', 'the request body must be a flattened JWS object');
  const b = body as Record<string, unknown>;
  if ('signatures' in b) throw new AcmeError('malformed', 'only the flattened JWS serialization with one signature is accepted');
  if ('header' in b) throw new AcmeError('malformed', 'the JWS must not have an unprotected header');
  for (const k of ['protected', 'payload', 'signature'] as const) {
    if (typeof b[k] !== 'string' || !B64URL.test(b[k])) throw new AcmeError('malformed', `the JWS "${k}" must be a base64url string`);
  }
  const header = decodeJson(b.protected as string, 'protected header') as Record<string, unknown>;
  if (!header || typeof header !== 'object' || Array.isArray(header))
    throw new AcmeError('malformed', 'the JWS protected header must be an object');
  if (typeof header.alg !== 'string' || !(JWS_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new AcmeError('badSignatureAlgorithm', `the JWS algorithm ${JSON.stringify(header.alg)} is not supported`, {
      algorithms: [...JWS_ALGORITHMS],
    });
  }
  if (typeof header.url !== 'string' || header.url.length === 0)
    throw new AcmeError('malformed', 'the JWS protected header must have a "url"');
  if (header.nonce !== undefined && typeof header.nonce !== 'string') throw new AcmeError('malformed', 'the JWS "nonce" must be a string');
  const hasJwk = header.jwk !== undefined;
  const hasKid = header.kid !== undefined;
  if (hasJwk === hasKid) throw new AcmeError('malformed', 'the JWS protected header must have exactly one of "jwk" and "kid"');
  if (hasKid && typeof header.kid !== 'string') throw new AcmeError('malformed', 'the JWS "kid" must be a string (the account URL)');
  if (hasJwk && (typeof header.jwk !== 'object' || header.jwk === null || Array.isArray(header.jwk))) {
    throw new AcmeError('malformed', 'the JWS "jwk" must be a JSON Web Key object');
  }
  return {
    input: { protected: b.protected as string, payload: b.payload as string, signature: b.signature as string },
    header: header as unknown as JwsProtectedHeader,
  };
}

/** Only the public members of a key: what is stored and thumbprinted. Refuses private keys and weak or mismatched keys. */
export function publicJwk(jwk: JWK, alg: JwsAlgorithm): JWK {
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) throw new AcmeError('badPublicKey', 'the JWK must be a public key');
  switch (jwk.kty) {
    case 'RSA': {
      if (alg !== 'RS256') break;
      if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') break;
      const bits = Buffer.from(jwk.n, 'base64url').length * 8;
      if (bits < 2048 || bits > 8192) throw new AcmeError('badPublicKey', `RSA account keys must be 2048 to 8192 bits (got ${bits})`);
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    }
    case 'EC': {
      const want = alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : undefined;
      if (!want || jwk.crv !== want || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') break;
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    }
    case 'OKP': {
      if (alg !== 'EdDSA' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') break;
      return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    }
  }
  throw new AcmeError(
    'badPublicKey',
    `the key (kty ${JSON.stringify(jwk.kty)}, crv ${JSON.stringify(jwk.crv)}) does not fit the algorithm ${alg}`,
  );
}

export function algorithmFor(jwk: JWK): JwsAlgorithm {
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : 'ES256';
  return 'EdDSA';
}

export async function thumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

const keyCache = new Map<string, Promise<webcrypto.CryptoKey | Uint8Array>>();

/** Verifies the signature with the given public JWK; returns the payload bytes. */
export async function verifyJws(jws: ParsedJws, jwk: JWK, cacheKey?: string): Promise<Uint8Array> {
  const alg = jws.header.alg;
  const pub = publicJwk(jwk, alg);
  const k = cacheKey ? `${cacheKey}:${alg}` : undefined;
  let key = k ? keyCache.get(k) : undefined;
  if (!key) {
    key = importJWK(pub, alg) as Promise<webcrypto.CryptoKey | Uint8Array>;
    if (k) {
      if (keyCache.size > 10000) keyCache.clear();
      keyCache.set(k, key);
    }
  }
  try {
    const out = await flattenedVerify(jws.input, await key, { algorithms: [alg] });
    return out.payload;
  } catch {
    if (k) keyCache.delete(k);
    throw new AcmeError('malformed', 'the JWS signature does not verify with the key');
  }
}

/** The JWS payload as JSON; an empty payload (POST-as-GET) is `undefined`. */
export function payloadJson(payload: Uint8Array): unknown {
  if (payload.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new AcmeError('malformed', 'the JWS payload is not JSON');
  }
}
