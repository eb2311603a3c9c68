import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { getLogger } from '@certctl/observability';
import type { OcspStatus } from '@certctl/pki';
import { createRedisClient } from '@certctl/platform';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';

const HASHES = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
type CachedStatus = { status: 'good' } | { status: 'unknown' } | { status: 'revoked'; revokedAt: string; reasonCode: number };

/**
 * Redis cache of certificate statuses and of signed OCSP responses to requests without a
 * nonce, keyed by issuer and serial so a revocation can delete exactly its keys. Redis
 * failures only cost the cache, never the answer.
 */
@Injectable()
export class OcspCache implements OnApplicationShutdown {
  private readonly redis: Redis;
  /** How long an `unknown` status (and its signed response) is kept: new certificates must not wait long. */
  static readonly UNKNOWN_TTL_SECONDS = 10;
  /** Signed responses kept in this process for a moment: the hot path never leaves the process. */
  private readonly local = new Map<string, { at: number; der: Buffer }>();
  /** The same, keyed by the exact request bytes, so a repeated request skips even parsing. */
  private readonly byRequest = new Map<string, { at: number; der: Buffer; issuer: string; serial: string }>();

  constructor(@Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig) {
    this.redis = createRedisClient(config.REDIS_URL, 'cache');
  }

  /** The Redis client, for the service's shared rate limits (fails fast: no offline queue). */
  get client(): Redis {
    return this.redis;
  }

  unknownTtl(ttlSeconds: number): number {
    return Math.min(OcspCache.UNKNOWN_TTL_SECONDS, ttlSeconds);
  }

  private statusKey = (issuer: string, serial: string) => `certctl:ocsp:status:${issuer}:${serial}`;
  private responseKey = (issuer: string, serial: string, hash: string) => `certctl:ocsp:resp:${issuer}:${serial}:${hash}`;

  async getStatus(issuer: string, serial: string): Promise<OcspStatus | undefined> {
    const raw = await this.safe(() => this.redis.get(this.statusKey(issuer, serial)));
    if (!raw) return undefined;
    const v = JSON.parse(raw) as CachedStatus;
    return v.status === 'revoked' ? { status: 'revoked', revokedAt: new Date(v.revokedAt), reasonCode: v.reasonCode } : v;
  }

  async setStatus(issuer: string, serial: string, s: OcspStatus): Promise<void> {
    if (this.config.CERTCTL_OCSP_CACHE_SECONDS === 0) return;
    const ttl = s.status === 'unknown' ? this.unknownTtl(this.config.CERTCTL_OCSP_CACHE_SECONDS) : this.config.CERTCTL_OCSP_CACHE_SECONDS;
    const v: CachedStatus =
      s.status === 'revoked' ? { status: 'revoked', revokedAt: s.revokedAt.toISOString(), reasonCode: s.reasonCode } : s;
    await this.safe(() => this.redis.set(this.statusKey(issuer, serial), JSON.stringify(v), 'EX', ttl));
  }

  async getResponse(issuer: string, serial: string, hash: string): Promise<Buffer | undefined> {
    const key = this.responseKey(issuer, serial, hash);
    const hit = this.local.get(key);
    const now = Date.now();
    if (hit && now - hit.at < this.config.CERTCTL_OCSP_LOCAL_CACHE_MS) return hit.der;
    const der = (await this.safe(() => this.redis.getBuffer(key))) ?? undefined;
    if (der) this.remember(key, der);
    return der;
  }

  async setResponse(issuer: string, serial: string, hash: string, der: Buffer, ttlSeconds: number): Promise<void> {
    if (ttlSeconds <= 0) return;
    const key = this.responseKey(issuer, serial, hash);
    this.remember(key, der);
    await this.safe(() => this.redis.set(key, der, 'EX', ttlSeconds));
  }

  /** A response for exactly these request bytes (no nonce) signed moments ago, if any. */
  byRequestBytes(issuer: string, request: Buffer): Buffer | undefined {
    const hit = this.byRequest.get(`${issuer}:${request.toString('base64')}`);
    if (hit && Date.now() - hit.at < this.config.CERTCTL_OCSP_LOCAL_CACHE_MS) return hit.der;
    return undefined;
  }

  rememberRequestBytes(issuer: string, serial: string, request: Buffer, der: Buffer): void {
    if (this.config.CERTCTL_OCSP_LOCAL_CACHE_MS <= 0 || request.length > 512) return;
    if (this.byRequest.size >= 10_000) this.byRequest.delete(this.byRequest.keys().next().value as string);
    this.byRequest.set(`${issuer}:${request.toString('base64')}`, { at: Date.now(), der, issuer, serial });
  }

  private remember(key: string, der: Buffer): void {
    if (this.config.CERTCTL_OCSP_LOCAL_CACHE_MS <= 0) return;
    if (this.local.size >= 10_000) this.local.delete(this.local.keys().next().value as string);
    this.local.set(key, { at: Date.now(), der });
  }

  /** Forgets everything cached about one certificate (after its revocation). */
  async invalidate(issuer: string, serial: string): Promise<void> {
    const keys = [this.statusKey(issuer, serial), ...HASHES.map((h) => this.responseKey(issuer, serial, h))];
    for (const k of keys) this.local.delete(k);
    for (const [k, v] of this.byRequest) if (v.issuer === issuer && v.serial === serial) this.byRequest.delete(k);
    await this.safe(() => this.redis.del(...keys));
  }

  private async safe<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      getLogger().debug({ err: (err as Error).message }, 'ocsp cache unavailable');
      return undefined;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for a connection that may never come; a client that is not ready just disconnects.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    else this.redis.disconnect();
  }
}
