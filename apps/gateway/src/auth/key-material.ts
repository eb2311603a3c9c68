import { createHash, randomBytes } from 'node:crypto';

/** Keys are `cck_` + 256 random bits: high entropy, so a fast hash (SHA-256) is the right store. */
export const KEY_PREFIX = 'cck_';

export function generateApiKey(): { secret: string; hash: string; prefix: string } {
  const secret = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, 12) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
