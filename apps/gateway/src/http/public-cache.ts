import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Counter, Gauge } from 'prom-client';
import { RevocationEvents } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { registry } from '@certctl/observability';
import { CLOCK, type Clock, systemClock } from '@certctl/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

const lookups = new Counter({
  name: 'certctl_gateway_public_cache_lookups_total',
  help: 'Forwarded public GET requests (OCSP, CRL) answered from the gateway cache (hit) or by the owning service (miss)',
  labelNames: ['result'],
  registers: [registry],
});
const purges = new Counter({
  name: 'certctl_gateway_public_cache_purges_total',
  help: 'Times the gateway forgot every cached public response, by cause',
  labelNames: ['cause'],
  registers: [registry],
});
const entries = new Gauge({
  name: 'certctl_gateway_public_cache_entries',
  help: 'Public responses held by the gateway cache now',
  registers: [registry],
});

/** One stored response of the owning service, as it answered. */
export interface CachedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** When it was stored, and until when it may be served (clock milliseconds). */
  storedAt: number;
  expiresAt: number;
}

/** Larger answers are not kept (a CRL of many revocations is served by the revocation service, which caches it itself). */
export const MAX_CACHED_BODY_BYTES = 64 * 1024;

/**
 * How long a response may be reused, from its Cache-Control (RFC 9111 §5.2.2 for a shared
 * cache): only a 200 the owner marked `public` with a positive max-age (or s-maxage), and
 * nothing that varies by request headers, sets a cookie or says no-store/no-cache/private.
 */
export function reusableForMs(status: number, headers: IncomingHttpHeaders): number {
  if (status !== 200 || headers['set-cookie'] || headers.vary) return 0;
  const cc = String(headers['cache-control'] ?? '').toLowerCase();
  const directives = new Map(
    cc
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const eq = d.indexOf('=');
        return eq < 0
          ? [d, '']
          : [
              d.slice(0, eq).trim(),
              d
                .slice(eq + 1)
                .trim()
                .replace(/^"|"$/g, ''),
            ];
      }),
  );
  if (!directives.has('public') || directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return 0;
  const age = Number(directives.get('s-maxage') ?? directives.get('max-age'));
  return Number.isInteger(age) && age > 0 ? age * 1000 : 0;
}

/**
 * The gateway's short-lived cache of the public GET answers it forwards to the revocation
 * service (OCSP GET, CRL), so a hot OCSP response costs one HTTP exchange instead of two
 * (docs/gateway.md). An entry lives as long as the owner's Cache-Control allows and at most
 * CERTCTL_GATEWAY_PUBLIC_CACHE_MS (0: off), the same bound the revocation replicas keep on
 * their own in-memory copies (CERTCTL_OCSP_LOCAL_CACHE_MS). Every entry is dropped at once
 * when a certificate is revoked or a hold lifted: on the revocation events every replica
 * receives over the bus, and on this replica as soon as a revocation it forwarded succeeds.
 * A response that was on its way while such a purge happened is not stored (generation check).
 */
@Injectable()
export class PublicResponseCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly map = new Map<string, CachedResponse>();
  private bytes = 0;
  private gen = 0;
  private readonly unsubscribe: (() => void)[] = [];
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'CERTCTL_GATEWAY_PUBLIC_CACHE_MS' | 'CERTCTL_GATEWAY_PUBLIC_CACHE_MAX_BYTES'>,
    @Optional() private readonly bus?: RpcClient,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.ttlMs = config.CERTCTL_GATEWAY_PUBLIC_CACHE_MS;
    this.maxBytes = config.CERTCTL_GATEWAY_PUBLIC_CACHE_MAX_BYTES;
    this.maxEntries = 10_000;
  }

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxBytes > 0;
  }

  /** Every replica listens (no queue group): a revocation made anywhere empties every cache. */
  onApplicationBootstrap(): void {
    if (!this.bus || !this.enabled) return;
    const purge = () => this.purge('revocation_event');
    this.unsubscribe.push(this.bus.onEvent(RevocationEvents.certificateRevoked, purge));
    this.unsubscribe.push(this.bus.onEvent(RevocationEvents.certificateUnrevoked, purge));
    // Away from the bus, an event may have been missed.
    this.bus.onReconnect(() => this.purge('bus_reconnect'));
  }

  onApplicationShutdown(): void {
    this.unsubscribe.splice(0).forEach((u) => u());
  }

  /** Taken before forwarding; store() refuses the answer if a purge happened since. */
  generation(): number {
    return this.gen;
  }

  get(key: string): CachedResponse | undefined {
    if (!this.enabled) return undefined;
    const hit = this.map.get(key);
    if (hit && hit.expiresAt > this.clock.nowMs()) {
      lookups.inc({ result: 'hit' });
      return hit;
    }
    if (hit) this.delete(key, hit);
    lookups.inc({ result: 'miss' });
    return undefined;
  }

  /** Keeps the owner's answer when its Cache-Control allows and no purge happened since `generation`. */
  store(key: string, generation: number, res: { status: number; headers: IncomingHttpHeaders; body: Buffer }): boolean {
    if (!this.enabled || generation !== this.gen || res.body.length > MAX_CACHED_BODY_BYTES) return false;
    const ms = Math.min(this.ttlMs, reusableForMs(res.status, res.headers));
    if (ms <= 0) return false;
    const old = this.map.get(key);
    if (old) this.delete(key, old);
    while (this.map.size >= this.maxEntries || (this.map.size > 0 && this.bytes + res.body.length > this.maxBytes)) {
      const [k, v] = this.map.entries().next().value as [string, CachedResponse];
      this.delete(k, v);
    }
    if (res.body.length > this.maxBytes) return false;
    const now = this.clock.nowMs();
    this.map.set(key, { ...res, storedAt: now, expiresAt: now + ms });
    this.bytes += res.body.length;
    entries.set(this.map.size);
    return true;
  }

  /** Forgets everything (a certificate's status changed); answers on their way are not stored. */
  purge(cause: 'revocation_event' | 'bus_reconnect' | 'revocation_forwarded'): void {
    this.gen++;
    purges.inc({ cause });
    this.map.clear();
    this.bytes = 0;
    entries.set(0);
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  get size(): number {
    return this.map.size;
  }

  private delete(key: string, v: CachedResponse): void {
    this.map.delete(key);
    this.bytes -= v.body.length;
    entries.set(this.map.size);
  }
}
