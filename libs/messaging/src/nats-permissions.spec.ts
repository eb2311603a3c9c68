import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as contracts from '@certctl/contracts';
import { z } from 'zod';
import { BUS_SERVICES, PrivateKeyRpc, Rpc, busUsageOf, contract, declaredContracts, rpcOwnerOf } from '@certctl/contracts';
import { type BusCredentials, JETSTREAM_CONSUMER_SUBJECTS, contractSubjects, natsServerConfig, permissionsOf } from './nats-permissions';

const ROOT = join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name) ? [p] : [];
  });
}

/** Resolves `AcmeRpc.gc` or `Events.jobFailed` against the contracts' exports. */
function resolve(path: string): { subject: string } | undefined {
  let v: unknown = contracts;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v && typeof v === 'object' && typeof (v as { subject?: unknown }).subject === 'string' ? (v as { subject: string }) : undefined;
}

/** What each app does on the bus according to its source: calls, emits, subscriptions, handlers. */
function usageInSources(service: string) {
  const found = { calls: new Set<string>(), emits: new Set<string>(), consumes: new Set<string>(), answers: new Set<string>() };
  const unresolved: string[] = [];
  const ref = String.raw`([A-Z]\w*(?:\.\w+)+)`;
  const patterns: [RegExp, keyof typeof found][] = [
    [new RegExp(String.raw`\.request\(\s*${ref}`, 'g'), 'calls'],
    [new RegExp(String.raw`\.emit\(\s*${ref}`, 'g'), 'emits'],
    // An event written to the outbox is published by the service's relay under the service's user.
    [new RegExp(String.raw`outbox\??\.enqueue\(\s*\w+,\s*${ref}`, 'g'), 'emits'],
    [new RegExp(String.raw`\.onEvent\(\s*${ref}`, 'g'), 'consumes'],
    [new RegExp(String.raw`@EventPattern\(\s*${ref}\.subject`, 'g'), 'consumes'],
    [new RegExp(String.raw`events\.on\(\s*${ref}`, 'g'), 'consumes'],
    [new RegExp(String.raw`@RpcHandler\(\s*${ref}`, 'g'), 'answers'],
  ];
  for (const file of sources(join(ROOT, 'apps', service, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const [re, kind] of patterns) {
      for (const m of text.matchAll(re)) {
        const c = resolve(m[1]);
        if (c) found[kind].add(c.subject);
        else unresolved.push(`${file}: ${m[1]}`);
      }
    }
  }
  return { found, unresolved };
}

describe('bus usage declared on the contracts', () => {
  it.each(BUS_SERVICES)('ok/%s: every call, emit and subscription in its sources is declared', (service) => {
    const { found, unresolved } = usageInSources(service);
    expect(unresolved).toEqual([]);
    const declared = busUsageOf(service);
    const missing = (kind: 'calls' | 'emits' | 'consumes', list: readonly { subject: string }[]) =>
      [...found[kind]].filter((s) => !list.some((c) => c.subject === s)).map((s) => `${kind}: ${s}`);
    expect([...missing('calls', declared.calls), ...missing('emits', declared.emits), ...missing('consumes', declared.consumes)]).toEqual(
      [],
    );
    // A handler may only answer the subjects its service owns: those are the ones it may subscribe to.
    expect([...found.answers].filter((s) => rpcOwnerOf(s) !== service)).toEqual([]);
  });

  it('ok/the source scan sees calls (it is not vacuous)', () => {
    expect(usageInSources('gateway').found.calls).toContain(PrivateKeyRpc.export.subject);
    expect(usageInSources('notifications').found.consumes).toContain(contracts.Events.jobFailed.subject);
    expect(usageInSources('inventory').found.emits).toContain(contracts.Events.certificateIssued.subject); // through the outbox
  });

  it("ok/every contract names its owner (the subject's service token) and its callers, and every subject is versioned", () => {
    const declared = declaredContracts();
    expect(declared.rpc.length).toBeGreaterThan(80);
    for (const c of declared.rpc) {
      expect(rpcOwnerOf(c.subject)).toBe(c.owner);
      expect(c.callers.length).toBeGreaterThan(0);
      expect(c.callers).not.toContain(c.owner);
    }
    for (const e of declared.events) expect(e.subject).toMatch(/^certctl\.v1\.events\./);
    expect(contractSubjects().rpc).toEqual(declared.rpc.map((c) => c.subject));
  });

  it('ok/every event that is consumed has a publisher', () => {
    for (const e of declaredContracts().events) if (e.consumers.length > 0) expect(e.emitters.length).toBeGreaterThan(0);
  });

  it('fail/a contract whose subject is not under its owner, or with no caller, is refused at declaration', () => {
    const schemas = { request: z.object({}), response: z.object({}) };
    expect(() => contract({ subject: 'certctl.v1.inventory.thing.get', owner: 'issuance', callers: ['gateway'], ...schemas })).toThrow(
      /certctl\.v1\.issuance\./,
    );
    expect(() => contract({ subject: 'certctl.v1.inventory.thing.get', owner: 'inventory', callers: [], ...schemas })).toThrow(/no caller/);
    expect(() => contract({ subject: 'certctl.v1.thing.done', emitters: ['inventory'], consumers: [], payload: z.object({}) })).toThrow(
      /events/,
    );
  });

  it('fail/one subject declared twice is refused', () => {
    const twice = {
      subject: 'certctl.v1.acme.thing.get',
      owner: 'acme' as const,
      callers: ['gateway' as const],
      request: z.object({}),
      response: z.object({}),
    };
    expect(() => declaredContracts({ a: { get: contract(twice) }, b: { get: contract(twice) } })).toThrow(/declared twice/);
  });
});

describe('NATS permissions', () => {
  it('ok/a service subscribes to what it answers and consumes, publishes what it calls and emits', () => {
    const n = permissionsOf('notifications');
    expect(n.subscribe.allow).toEqual(
      expect.arrayContaining([
        contracts.NotificationRpc.dispatch.subject,
        contracts.Events.jobFailed.subject,
        contracts.RevocationEvents.certificateRevoked.subject,
        '_INBOX.>',
      ]),
    );
    expect(n.publish.allow).toEqual(
      [contracts.NotificationEvents.deadLettered.subject, Rpc.inventory.certificateGet.subject, ...JETSTREAM_CONSUMER_SUBJECTS].sort(),
    );
  });

  it('fail/only the gateway may call the private-key export; only issuance answers it', () => {
    for (const s of BUS_SERVICES) {
      const p = permissionsOf(s);
      expect(p.publish.allow.includes(PrivateKeyRpc.export.subject)).toBe(s === 'gateway');
      expect(p.subscribe.allow.includes(PrivateKeyRpc.export.subject)).toBe(s === 'issuance');
    }
  });

  it('fail/no service gets wildcards beyond its reply inbox and its events-stream consumers, nor publish rights on inboxes', () => {
    const streamWildcards = JETSTREAM_CONSUMER_SUBJECTS.filter((x) => /[*>]/.test(x));
    expect(streamWildcards.every((x) => x.includes('CERTCTL_EVENTS') || x === 'certctl.v1.dead.>')).toBe(true);
    for (const s of BUS_SERVICES) {
      const p = permissionsOf(s);
      const consumes = p.publish.allow.includes('$JS.API.INFO');
      expect(p.publish.allow.filter((x) => /[*>]/.test(x))).toEqual(consumes ? [...streamWildcards].sort() : []);
      expect(p.publish.allow.some((x) => x.startsWith('_INBOX'))).toBe(false);
      expect(p.subscribe.allow.filter((x) => /[*>]/.test(x))).toEqual(['_INBOX.>']);
    }
  });

  it("ok/a new contract gets its owner subscription and its callers' publish rights without editing the generator", () => {
    const poke = contract({
      subject: 'certctl.v1.scheduler.thing.poke',
      owner: 'scheduler',
      callers: ['revocation'],
      request: z.object({}),
      response: z.object({}),
    });
    const current = declaredContracts();
    const added = { ...current, rpc: [...current.rpc, poke] };
    expect(permissionsOf('scheduler', added).subscribe.allow).toContain(poke.subject);
    expect(permissionsOf('inventory', added).subscribe.allow).not.toContain(poke.subject);
    expect(permissionsOf('revocation', added).publish.allow).toContain(poke.subject);
    expect(permissionsOf('gateway', added).publish.allow).not.toContain(poke.subject);
  });

  it('ok/the server configuration lists one user per service with its permissions', () => {
    const creds = Object.fromEntries(BUS_SERVICES.map((s) => [s, { user: s, password: `pw-"${s}"` }])) as BusCredentials;
    const conf = natsServerConfig(creds, ['port: 4222']);
    expect(conf).toContain('port: 4222');
    for (const s of BUS_SERVICES) expect(conf).toContain(`user: "${s}", password: "pw-\\"${s}\\""`);
    expect(conf.match(/allow_responses: true/g)).toHaveLength(BUS_SERVICES.length);
    expect(() => natsServerConfig({ ...creds, acme: { user: 'acme', password: '' } })).toThrow(/acme/);
  });
});
