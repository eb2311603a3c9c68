import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '@certctl/database';
import type { Actor } from '@certctl/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface CachedKey {
  hash: string;
  actor: Actor;
  expiresAt: number | null;
  cachedUntil: number;
}

/**
 * Verifies API keys: only the SHA-256 of a key is stored; the stored hash is compared
 * in constant time. Verified keys are remembered briefly so a request costs no
 * database read; disabling a key takes effect within the cache window.
 */
@Injectable()
export class ApiKeyService {
  private readonly cache = new Map<string, CachedKey>();

  constructor(
    private readonly db: PrismaService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async verify(key: string): Promise<Actor | null> {
    if (key.length < 16 || key.length > 256) return null;
    const hash = hashApiKey(key);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.cachedUntil < now) {
      const row = await this.db.apiKey.findUnique({ where: { keyHash: hash } });
      if (!row || row.disabledAt) {
        this.cache.delete(hash);
        return null;
      }
      entry = {
        hash: row.keyHash,
        actor: { principal: row.principal, role: row.role },
        expiresAt: row.expiresAt?.getTime() ?? null,
        cachedUntil: now + this.config.CERTCTL_API_KEY_CACHE_MS,
      };
      if (this.cache.size > 10000) this.cache.clear();
      this.cache.set(hash, entry);
    }
    if (!timingSafeEqual(Buffer.from(entry.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= now) return null;
    return entry.actor;
  }
}
