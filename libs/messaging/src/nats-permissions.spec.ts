import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as contracts from '@certctl/contracts';
import { BUS_SERVICES, BUS_USAGE, PrivateKeyRpc, Rpc, rpcOwnerOf } from '@certctl/contracts';
import { type BusCredentials, contractSubjects, natsServerConfig, permissionsOf } from './nats-permissions';

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
    [new RegExp(String.raw`\.onEvent\(\s*${ref}`, 'g'), 'consumes'],
    [new RegExp(String.raw`@EventPattern\(\s*${ref}\.subject`, 'g'), 'consumes'],
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

describe('bus usage table', () => {
  it.each(BUS_SERVICES)('ok/%s: every call, emit and subscription in its sources is declared', (service) => {
    const { found, unresolved } = usageInSources(service);
    expect(unresolved).toEqual([]);
    const declared = BUS_USAGE[service];
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
  });

  it('ok/every declared call has an owner service and every contract subject is versioned', () => {
    const all = contractSubjects();
    expect(all.rpc.length).toBeGreaterThan(80);
    for (const s of all.rpc) expect(rpcOwnerOf(s)).toBeDefined();
    for (const s of all.events) expect(s).toMatch(/^certctl\.v1\.events\./);
    for (const service of BUS_SERVICES) for (const c of BUS_USAGE[service].calls) expect(all.rpc).toContain(c.subject);
  });

  it('ok/every event that is consumed has a publisher', () => {
    const emitted = new Set(BUS_SERVICES.flatMap((s) => BUS_USAGE[s].emits.map((e) => e.subject)));
    for (const s of BUS_SERVICES) for (const e of BUS_USAGE[s].consumes) expect(emitted).toContain(e.subject);
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
    expect(n.publish.allow).toEqual([contracts.NotificationEvents.deadLettered.subject, Rpc.inventory.certificateGet.subject].sort());
  });

  it('fail/only the gateway may call the private-key export; only issuance answers it', () => {
    for (const s of BUS_SERVICES) {
      const p = permissionsOf(s);
      expect(p.publish.allow.includes(PrivateKeyRpc.export.subject)).toBe(s === 'gateway');
      expect(p.subscribe.allow.includes(PrivateKeyRpc.export.subject)).toBe(s === 'issuance');
    }
  });

  it('fail/no service gets wildcards beyond its reply inbox, nor publish rights on inboxes', () => {
    for (const s of BUS_SERVICES) {
      const p = permissionsOf(s);
      expect(p.publish.allow.filter((x) => /[*>]/.test(x))).toEqual([]);
      expect(p.subscribe.allow.filter((x) => /[*>]/.test(x))).toEqual(['_INBOX.>']);
    }
  });

  it('ok/a new contract gets an owner subscription without editing the generator', () => {
    const added = { rpc: [...contractSubjects().rpc, 'certctl.v1.scheduler.thing.poke'], events: [] };
    expect(permissionsOf('scheduler', added).subscribe.allow).toContain('certctl.v1.scheduler.thing.poke');
    expect(permissionsOf('inventory', added).subscribe.allow).not.toContain('certctl.v1.scheduler.thing.poke');
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
