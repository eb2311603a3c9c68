import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { z } from 'zod';
import { AppError, GatewayCredentialEvents, type Role } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type ApiKeyRow, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { CLOCK, type Clock, systemClock } from '@certctl/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import type { Principal } from '../auth/principal';
import { generateApiKey, hashApiKey } from '../auth/key-material';
import { TtlLruCache } from '../auth/key-cache';
import { ownerForNewKey } from '../auth/key-owner';
import { decodeCursor, encodeCursor } from '@certctl/database';
import type { CreateApiKey, apiKeySchema, listApiKeysQuerySchema } from './api-keys.schemas';
import { ApiKeysRepository } from './api-keys.repository';

type ApiKeyDto = z.infer<typeof apiKeySchema>;
type Row = ApiKeyRow;

interface CachedKey {
  hash: string;
  principal: Principal;
  expiresAt: number | null;
}

type KeyChange = 'disabled' | 'enabled' | 'rotated' | 'deleted';

export function toApiKeyDto(row: Row, now = Date.now()): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    principal: row.principal,
    role: row.role,
    agent_id: row.agentId,
    key_prefix: row.keyPrefix,
    status: row.disabledAt ? 'disabled' : row.expiresAt && row.expiresAt.getTime() <= now ? 'expired' : 'active',
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
    disabled_at: row.disabledAt?.toISOString() ?? null,
    created_by: row.createdBy,
    owner_key_id: row.ownerKeyId,
  };
}

function principalOf(row: Row): Principal {
  return {
    key_id: row.id,
    key_name: row.name,
    principal: row.principal,
    role: row.role,
    agent_id: row.agentId,
    created_by: row.createdBy,
    owner_key_id: row.ownerKeyId,
  };
}

/**
 * Named API keys: only the SHA-256 of a key is stored and compared in constant time.
 * Verified keys are remembered (CERTCTL_API_KEY_CACHE_MS, at most CERTCTL_API_KEY_CACHE_MAX
 * keys, least recently used dropped first), so a request costs no database read. A change
 * (disable, enable, rotate, delete) evicts the key on this replica before the answer, and is
 * broadcast on the bus (`api_key.changed`) so every other replica evicts it too; a replica that
 * loses the bus forgets every key when it reconnects (it may have missed a change).
 * last_used_at is written at most once per CERTCTL_API_KEY_LAST_USED_INTERVAL_MS per key, and
 * those writes are gathered into one statement per CERTCTL_API_KEY_LAST_USED_FLUSH_MS.
 */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly cache: TtlLruCache<CachedKey>;
  private readonly lastUsedWritten = new Map<string, number>();
  /** last_used_at values waiting for the next batched write, by key id. */
  private readonly lastUsedPending = new Map<string, Date>();
  private flushTimer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Optional() private readonly bus?: RpcClient,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.cache = new TtlLruCache(config.CERTCTL_API_KEY_CACHE_MS, config.CERTCTL_API_KEY_CACHE_MAX ?? 50000);
  }

  /** Every replica listens (no queue group) for changes made through any replica. */
  onApplicationBootstrap(): void {
    if (!this.bus) return;
    this.unsubscribe = this.bus.onEvent(GatewayCredentialEvents.apiKeyChanged, ({ key_id }) => this.evict(key_id));
    this.bus.onReconnect(() => this.cache.clear());
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.flushLastUsed();
  }

  async verify(key: string): Promise<Principal | null> {
    if (key.length < 16 || key.length > 256) return null;
    const hash = hashApiKey(key);
    const now = this.clock.nowMs();
    let entry = this.cache.get(hash);
    if (!entry) {
      const row = await this.keys.findByHash(hash);
      if (!row || row.disabledAt) return null;
      entry = { hash: row.keyHash, principal: principalOf(row), expiresAt: row.expiresAt?.getTime() ?? null };
      this.cache.set(hash, entry);
    }
    if (!timingSafeEqual(Buffer.from(entry.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= now) return null;
    // Agent keys: the agent's heartbeat records its activity; no extra write per key.
    if (entry.principal.role !== 'agent') this.touch(entry.principal.key_id, now);
    return entry.principal;
  }

  /** Throttled per key, and written in batches: never a database write on every request. */
  private touch(id: string, now: number): void {
    const last = this.lastUsedWritten.get(id) ?? 0;
    if (now - last < this.config.CERTCTL_API_KEY_LAST_USED_INTERVAL_MS) return;
    this.lastUsedWritten.set(id, now);
    if (this.lastUsedWritten.size > 100000) this.lastUsedWritten.clear();
    this.lastUsedPending.set(id, new Date(now));
    this.flushTimer ??= setTimeout(() => void this.flushLastUsed(), this.config.CERTCTL_API_KEY_LAST_USED_FLUSH_MS ?? 1000);
    this.flushTimer.unref?.();
  }

  /** One UPDATE for every last_used_at gathered since the last flush. */
  async flushLastUsed(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.lastUsedPending.size) return;
    const batch = [...this.lastUsedPending];
    this.lastUsedPending.clear();
    await this.keys.recordLastUsedMany(batch.map(([id, at]) => ({ id, at }))).catch((err: unknown) => {
      getLogger().warn({ keys: batch.length, err: (err as Error).message }, 'could not record last_used_at');
    });
  }

  /** Forgets the key on this replica (every hash it was cached under). */
  evict(id: string): void {
    this.cache.deleteWhere((cached) => cached.principal.key_id === id);
    this.lastUsedWritten.delete(id);
  }

  /** This replica forgets the key at once; every other replica when the bus brings the change (milliseconds). */
  private async changed(id: string, change: KeyChange): Promise<void> {
    this.evict(id);
    if (!this.bus) return;
    await this.bus.broadcast(GatewayCredentialEvents.apiKeyChanged, { key_id: id, change }).catch((err: unknown) => {
      // The change is in the database; other replicas keep the old key at most CERTCTL_API_KEY_CACHE_MS.
      getLogger().error({ key_id: id, change, err: (err as Error).message }, 'could not tell the other gateway replicas of a key change');
    });
  }

  /** `creator` is the calling key: it is recorded, and decides the new key's owner (ownerForNewKey). */
  async create(body: CreateApiKey, creator: Principal | null): Promise<ApiKeyDto & { key: string }> {
    const { secret, hash, prefix } = generateApiKey();
    const id = newId('key');
    const row = await this.keys.insert({
      id,
      createdBy: creator?.key_id ?? null,
      ownerKeyId: ownerForNewKey(id, creator),
      name: body.name,
      principal: body.principal ?? body.name,
      role: body.role,
      agentId: body.agent_id ?? null,
      keyHash: hash,
      keyPrefix: prefix,
      expiresAt: body.expires_at ? new Date(body.expires_at) : null,
    });
    // Its first request (an agent's first heartbeat, often moments later) needs no database read.
    this.cache.set(hash, { hash: row.keyHash, principal: principalOf(row), expiresAt: row.expiresAt?.getTime() ?? null });
    return { ...toApiKeyDto(row, this.clock.nowMs()), key: secret };
  }

  async list(q: z.infer<typeof listApiKeysQuerySchema>): Promise<{ data: ApiKeyDto[]; next_cursor: string | null }> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.keys.findPage({ status: q.status, role: q.role, after, limit: q.limit }, this.clock.now());
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((row) => toApiKeyDto(row, this.clock.nowMs())),
      next_cursor: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  async get(id: string): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.row(id), this.clock.nowMs());
  }

  private async row(id: string): Promise<Row> {
    const row = await this.keys.findById(id);
    if (!row) throw AppError.notFound('API key', id);
    return row;
  }

  async setDisabled(id: string, disabled: boolean, caller: Principal): Promise<ApiKeyDto> {
    const row = await this.row(id);
    if (disabled) await this.assertNotLastAdmin(row, caller, 'disable');
    const updated = await this.keys.setDisabledAt(id, disabled ? (row.disabledAt ?? this.clock.now()) : null);
    await this.changed(id, disabled ? 'disabled' : 'enabled');
    return toApiKeyDto(updated, this.clock.nowMs());
  }

  /** A new secret for the same key; the old secret stops working at once on every replica. */
  async rotate(id: string): Promise<ApiKeyDto & { key: string }> {
    await this.row(id);
    const { secret, hash, prefix } = generateApiKey();
    const updated = await this.keys.replaceSecret(id, hash, prefix);
    await this.changed(id, 'rotated');
    return { ...toApiKeyDto(updated, this.clock.nowMs()), key: secret };
  }

  async delete(id: string, caller: Principal): Promise<void> {
    const row = await this.row(id);
    await this.assertNotLastAdmin(row, caller, 'delete');
    await this.keys.deleteById(id);
    await this.changed(id, 'deleted');
  }

  /** Never leave the platform without a working admin key. */
  private async assertNotLastAdmin(row: Row, _caller: Principal, verb: string): Promise<void> {
    if (row.role !== ('admin' satisfies Role) || row.disabledAt) return;
    const others = await this.keys.countOtherActiveAdmins(row.id, this.clock.now());
    if (others === 0) throw new AppError('conflict', `cannot ${verb} the last active admin key; create another admin key first`);
  }
}
