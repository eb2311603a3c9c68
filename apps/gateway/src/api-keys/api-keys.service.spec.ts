// ApiKeysService's rules (verification cache, last admin, eviction) against a hand-written in-memory repository: no PostgreSQL.
// Replicas share a fake bus (every subscriber gets every broadcast, as without a queue group).
import { AppError, type EventContract } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { ApiKeyRow } from '@certctl/database';
import { TestClock } from '@certctl/platform';
import type { GatewayConfig } from '../config';
import type { Principal } from '../auth/principal';
import type { ApiKeyFilter, ApiKeysRepository, NewApiKey } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

const config = { CERTCTL_API_KEY_CACHE_MS: 60000, CERTCTL_API_KEY_LAST_USED_INTERVAL_MS: 60000 } as GatewayConfig;

/** An in-memory api_keys table with the unique name of the real one. */
function fakeRepository() {
  const rows = new Map<string, ApiKeyRow>();
  let clock = 0;
  const repo = {
    rows,
    findByHash: jest.fn(async (hash: string) => [...rows.values()].find((row) => row.keyHash === hash) ?? null),
    findById: async (id: string) => rows.get(id) ?? null,
    insert: jest.fn(async (key: NewApiKey) => {
      if ([...rows.values()].some((row) => row.name === key.name))
        throw new AppError('conflict', `an API key named "${key.name}" already exists`);
      const row: ApiKeyRow = { ...key, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)), lastUsedAt: null, disabledAt: null };
      rows.set(row.id, row);
      return row;
    }),
    findPage: async (filter: ApiKeyFilter) => [...rows.values()].slice(0, filter.limit + 1),
    setDisabledAt: async (id: string, disabledAt: Date | null) => update(id, { disabledAt }),
    replaceSecret: async (id: string, keyHash: string, keyPrefix: string) => update(id, { keyHash, keyPrefix }),
    deleteById: jest.fn(async (id: string) => void rows.delete(id)),
    countOtherActiveAdmins: async (exceptId: string, now: Date) =>
      [...rows.values()].filter(
        (row) => row.role === 'admin' && row.id !== exceptId && !row.disabledAt && (!row.expiresAt || row.expiresAt > now),
      ).length,
    recordLastUsedMany: jest.fn(async (_uses: { id: string; at: Date }[]) => undefined),
  };
  function update(id: string, change: Partial<ApiKeyRow>): ApiKeyRow {
    const row = { ...rows.get(id)!, ...change };
    rows.set(id, row);
    return row;
  }
  return repo;
}

/** Core NATS without a queue group: every subscriber of a subject gets each broadcast. */
function fakeBus() {
  const subscribers = new Map<string, ((payload: unknown) => void)[]>();
  const reconnects: (() => void)[] = [];
  const broadcasts: { subject: string; payload: unknown }[] = [];
  const client = {
    onEvent: (event: EventContract, handler: (payload: unknown) => void) => {
      subscribers.set(event.subject, [...(subscribers.get(event.subject) ?? []), handler]);
      return () => undefined;
    },
    broadcast: async (event: EventContract, payload: unknown) => {
      broadcasts.push({ subject: event.subject, payload });
      for (const handler of subscribers.get(event.subject) ?? []) handler(event.payload.parse(payload));
    },
    onReconnect: (handler: () => void) => void reconnects.push(handler),
  };
  return { client: client as unknown as RpcClient, broadcasts, reconnect: () => reconnects.forEach((h) => h()) };
}

function setup() {
  const repo = fakeRepository();
  const service = new ApiKeysService(repo as unknown as ApiKeysRepository, config);
  return { repo, service };
}

/** Two gateway replicas over one api_keys table and one bus. */
function twoReplicas() {
  const repo = fakeRepository();
  const bus = fakeBus();
  const [a, b] = [0, 1].map(() => new ApiKeysService(repo as unknown as ApiKeysRepository, config, bus.client));
  a.onApplicationBootstrap();
  b.onApplicationBootstrap();
  return { repo, bus, a, b };
}

const root = null;
const admin = (service: ApiKeysService, name: string) => service.create({ name, role: 'admin' }, root);
const caller = { key_id: 'key-caller', principal: 'ops' } as Principal;

describe('ApiKeysService', () => {
  it('ok/a created key verifies to its principal; only its hash is stored; the secret is shown once', async () => {
    const { service, repo } = setup();
    const created = await service.create({ name: 'ops', role: 'operator' }, root);
    expect(created.key).toMatch(/^cck_/);
    const stored = repo.rows.get(created.id)!;
    expect(JSON.stringify(stored)).not.toContain(created.key);
    await expect(service.verify(created.key)).resolves.toMatchObject({ key_id: created.id, key_name: 'ops', role: 'operator' });
    await expect(service.get(created.id)).resolves.not.toHaveProperty('key');
  });

  it('ok/verification is served from the cache: no database read for a key made here, one for a key made elsewhere', async () => {
    const { service, repo } = setup();
    const { key } = await admin(service, 'root-admin');
    for (let i = 0; i < 5; i++) expect(await service.verify(key)).not.toBeNull();
    expect(repo.findByHash).not.toHaveBeenCalled();
    const elsewhere = new ApiKeysService(repo as unknown as ApiKeysRepository, config);
    for (let i = 0; i < 5; i++) expect(await elsewhere.verify(key)).not.toBeNull();
    expect(repo.findByHash).toHaveBeenCalledTimes(1);
    // last_used_at is throttled: one value in the interval, written with the next batch.
    expect(repo.recordLastUsedMany).not.toHaveBeenCalled();
    await service.flushLastUsed();
    expect(repo.recordLastUsedMany).toHaveBeenCalledTimes(1);
    expect(repo.recordLastUsedMany.mock.calls[0][0]).toHaveLength(1);
  });

  it('ok/last_used_at of many keys is one write per batch, not one per request or per key', async () => {
    const { service, repo } = setup();
    const keys = await Promise.all(['k1', 'k2', 'k3'].map((name) => service.create({ name, role: 'viewer' }, root)));
    for (let round = 0; round < 3; round++) for (const { key } of keys) expect(await service.verify(key)).not.toBeNull();
    await service.flushLastUsed();
    await service.flushLastUsed(); // nothing new: no second write
    expect(repo.recordLastUsedMany).toHaveBeenCalledTimes(1);
    expect(repo.recordLastUsedMany.mock.calls[0][0].map((u) => u.id).sort()).toEqual(keys.map((k) => k.id).sort());
  });

  it('ok/agent keys write no last_used_at (the heartbeat is their activity)', async () => {
    const { service, repo } = setup();
    const agentKey = await service.create({ name: 'agent-key', role: 'agent', agent_id: 'agent-1' }, root);
    expect(await service.verify(agentKey.key)).toMatchObject({ role: 'agent', agent_id: 'agent-1' });
    await service.flushLastUsed();
    expect(repo.recordLastUsedMany).not.toHaveBeenCalled();
  });

  it('fail/unknown, malformed, disabled and expired keys do not verify', async () => {
    const { service, repo } = setup();
    await expect(service.verify('cck_unknown-key-value-long-enough')).resolves.toBeNull();
    await expect(service.verify('short')).resolves.toBeNull();
    await admin(service, 'keeper');
    const disabled = await admin(service, 'disabled');
    await service.setDisabled(disabled.id, true, caller);
    await expect(service.verify(disabled.key)).resolves.toBeNull();
    const expired = await service.create({ name: 'expired', role: 'viewer' }, root);
    repo.rows.set(expired.id, { ...repo.rows.get(expired.id)!, expiresAt: new Date(Date.now() - 1000) });
    // Read from the table by a replica that did not make it (the maker cached it as created).
    const other = new ApiKeysService(repo as unknown as ApiKeysRepository, config);
    await expect(other.verify(expired.key)).resolves.toBeNull();
    await expect(service.get(expired.id)).resolves.toMatchObject({ status: 'expired' });
  });

  it('ok/a key with an expiry verifies until the service clock reaches it, even from the cache, and lists as expired after', async () => {
    const repo = fakeRepository();
    const clock = new TestClock(Date.UTC(2026, 5, 1));
    const service = new ApiKeysService(repo as unknown as ApiKeysRepository, config, undefined, clock);
    const keeper = await admin(service, 'keeper');
    const expiring = await service.create(
      { name: 'soon', role: 'admin', expires_at: new Date(Date.UTC(2026, 5, 1, 0, 1)).toISOString() },
      root,
    );
    await expect(service.verify(expiring.key)).resolves.toMatchObject({ key_id: expiring.id });
    await expect(service.get(expiring.id)).resolves.toMatchObject({ status: 'active' });
    clock.advance(59_999);
    await expect(service.verify(expiring.key)).resolves.toMatchObject({ key_id: expiring.id });
    clock.advance(1); // the expiry instant: no longer valid, though the verified key is still cached
    await expect(service.verify(expiring.key)).resolves.toBeNull();
    expect(repo.findByHash).not.toHaveBeenCalled(); // cached since its creation
    await expect(service.get(expiring.id)).resolves.toMatchObject({ status: 'expired' });
    // The expired admin no longer counts as another active admin.
    await expect(service.setDisabled(keeper.id, true, caller)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('fail/the last active admin key can be neither disabled nor deleted (conflict); with another admin it can', async () => {
    const { service } = setup();
    const only = await admin(service, 'only-admin');
    for (const attempt of [() => service.setDisabled(only.id, true, caller), () => service.delete(only.id, caller)]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('conflict');
      expect((err as AppError).message).toMatch(/last active admin key/);
    }
    await admin(service, 'second-admin');
    await expect(service.setDisabled(only.id, true, caller)).resolves.toMatchObject({ status: 'disabled' });
  });

  it('ok/disabling evicts the cached key at once; rotating makes the old secret stop working at once', async () => {
    const { service } = setup();
    await admin(service, 'keeper');
    const ops = await service.create({ name: 'ops', role: 'operator' }, root);
    expect(await service.verify(ops.key)).not.toBeNull();
    const rotated = await service.rotate(ops.id);
    await expect(service.verify(ops.key)).resolves.toBeNull();
    await expect(service.verify(rotated.key)).resolves.toMatchObject({ key_id: ops.id });
    await service.setDisabled(ops.id, true, caller);
    await expect(service.verify(rotated.key)).resolves.toBeNull();
  });

  it('fail/a duplicate name is the repository’s conflict, passed on; unknown ids are not_found', async () => {
    const { service } = setup();
    await admin(service, 'dup');
    await expect(admin(service, 'dup')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.get('key-missing')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.rotate('key-missing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('ok/a key made by the root key owns itself; one made from that person’s key belongs to that person', async () => {
    const { service } = setup();
    const bootstrap = { key_id: 'key-bootstrap', created_by: null, owner_key_id: 'key-bootstrap' } as Principal;
    const person = await service.create({ name: 'person', role: 'admin' }, bootstrap);
    expect(person).toMatchObject({ created_by: 'key-bootstrap', owner_key_id: person.id });
    const personPrincipal = (await service.verify(person.key))!;
    const child = await service.create({ name: 'child', role: 'operator' }, personPrincipal);
    expect(child).toMatchObject({ created_by: person.id, owner_key_id: person.id });
  });

  it('ok/a key disabled through one replica stops working at once on the other, whose cache held it (no TTL wait)', async () => {
    const { repo, bus, a, b } = twoReplicas();
    await admin(a, 'keeper');
    const ops = await a.create({ name: 'ops', role: 'operator' }, root);
    expect(await a.verify(ops.key)).not.toBeNull();
    expect(await b.verify(ops.key)).not.toBeNull();
    expect(await b.verify(ops.key)).not.toBeNull();
    expect(repo.findByHash).toHaveBeenCalledTimes(1); // B reads it once (A made it), then both serve from memory

    await a.setDisabled(ops.id, true, caller);
    expect(bus.broadcasts).toEqual([{ subject: 'certctl.v1.events.api_key.changed', payload: { key_id: ops.id, change: 'disabled' } }]);
    await expect(b.verify(ops.key)).resolves.toBeNull();
    await expect(a.verify(ops.key)).resolves.toBeNull();
    expect(repo.findByHash).toHaveBeenCalledTimes(3); // each replica had to look again: its entry was gone
  });

  it('ok/rotation and deletion through one replica reach the other; re-enabling works again everywhere', async () => {
    const { bus, a, b } = twoReplicas();
    await admin(a, 'keeper');
    const ops = await a.create({ name: 'ops', role: 'operator' }, root);
    expect(await b.verify(ops.key)).not.toBeNull();
    const rotated = await a.rotate(ops.id);
    await expect(b.verify(ops.key)).resolves.toBeNull();
    await expect(b.verify(rotated.key)).resolves.toMatchObject({ key_id: ops.id });
    await a.setDisabled(ops.id, true, caller);
    await a.setDisabled(ops.id, false, caller);
    await expect(b.verify(rotated.key)).resolves.toMatchObject({ key_id: ops.id });
    await a.delete(ops.id, caller);
    await expect(b.verify(rotated.key)).resolves.toBeNull();
    expect(bus.broadcasts.map((m) => (m.payload as { change: string }).change)).toEqual(['rotated', 'disabled', 'enabled', 'deleted']);
  });

  it('ok/the bus event alone evicts: a change made elsewhere is seen by the next request; a reconnect forgets every key', async () => {
    const { repo, bus, a, b } = twoReplicas();
    const ops = await a.create({ name: 'ops', role: 'operator' }, root);
    expect(await b.verify(ops.key)).not.toBeNull();
    // Disabled in the table by someone else; only the event tells replica b.
    repo.rows.set(ops.id, { ...repo.rows.get(ops.id)!, disabledAt: new Date() });
    expect(await b.verify(ops.key)).not.toBeNull(); // still cached: nothing said so yet
    await bus.client.broadcast(
      { subject: 'certctl.v1.events.api_key.changed', payload: { parse: (p: unknown) => p } } as never,
      {
        key_id: ops.id,
        change: 'disabled',
      } as never,
    );
    await expect(b.verify(ops.key)).resolves.toBeNull();

    repo.rows.set(ops.id, { ...repo.rows.get(ops.id)!, disabledAt: null });
    expect(await a.verify(ops.key)).not.toBeNull();
    repo.rows.set(ops.id, { ...repo.rows.get(ops.id)!, disabledAt: new Date() });
    bus.reconnect(); // events may have been missed while away
    await expect(a.verify(ops.key)).resolves.toBeNull();
  });
});
