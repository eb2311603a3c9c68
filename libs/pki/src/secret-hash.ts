import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * One-way verifiers for passwords a client presents (an EST enrollment password): scrypt
 * (N=2^14, r=8, p=1, 32-byte key, 16-byte salt), stored as `scrypt$<N>$<r>$<p>$<salt b64>$<key b64>`.
 * The password itself is never stored nor needs to be read back.
 */
const PARAMS = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, params: typeof PARAMS): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, { ...params, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** True when `secret` matches the verifier (compared in constant time); false for a malformed verifier. */
export async function verifySecret(secret: string, verifier: string): Promise<boolean> {
  const parts = verifier.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every(Number.isSafeInteger) || N > 1 << 20 || r > 32 || p > 16) return false;
  const expected = Buffer.from(parts[5], 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  try {
    const got = await derive(secret, Buffer.from(parts[4], 'base64'), { N, r, p });
    return timingSafeEqual(got, expected);
  } catch {
    return false; // parameters scrypt refuses (N not a power of two, …)
  }
}
