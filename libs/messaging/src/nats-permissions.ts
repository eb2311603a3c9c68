import * as contracts from '@certctl/contracts';
import { BUS_SERVICES, BUS_USAGE, type BusService, rpcOwnerOf } from '@certctl/contracts';

/** Every request/reply and event subject declared in @certctl/contracts, found by walking its exports. */
export function contractSubjects(root: unknown = contracts): { rpc: string[]; events: string[] } {
  const rpc = new Set<string>();
  const events = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (!v || typeof v !== 'object' || seen.has(v) || depth > 6) return;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (typeof o.subject === 'string' && o.request && o.response) return void rpc.add(o.subject);
    if (typeof o.subject === 'string' && o.payload && typeof (o.payload as { safeParse?: unknown }).safeParse === 'function') {
      return void events.add(o.subject);
    }
    // zod schemas are not contracts and hold no contracts
    if (typeof o.safeParse === 'function') return;
    for (const child of Object.values(o)) walk(child, depth + 1);
  };
  walk(root, 0);
  return { rpc: [...rpc].sort(), events: [...events].sort() };
}

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

/** Replies travel on the requester's inbox: subscribe here, publish only as an answer (allow_responses). */
export const INBOX_SUBJECTS = '_INBOX.>';

/**
 * A service's NATS permissions: it subscribes to the subjects it answers, the events it
 * consumes and its reply inbox; it publishes to the subjects it calls and the events it
 * emits. Replies to requests it received are allowed by `allow_responses` (not by a
 * publish right on _INBOX.>, which would let it answer requests meant for others).
 */
export function permissionsOf(service: BusService, all = contractSubjects()): NatsPermissions {
  const usage = BUS_USAGE[service];
  const answers = all.rpc.filter((s) => rpcOwnerOf(s) === service);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  return {
    publish: { allow: uniq([...usage.calls.map((c) => c.subject), ...usage.emits.map((e) => e.subject)]) },
    subscribe: { allow: uniq([...answers, ...usage.consumes.map((e) => e.subject), INBOX_SUBJECTS]) },
  };
}

export interface NatsUserCredentials {
  user: string;
  password: string;
}
export type BusCredentials = Record<BusService, NatsUserCredentials>;

/** Quoted for the nats-server configuration format (a JSON string is a valid NATS string). */
const q = (s: string) => JSON.stringify(s);

/**
 * The nats-server configuration granting each service exactly its permissions.
 * `extra` lines (listen, monitoring, TLS) come first; the `authorization` block follows.
 */
export function natsServerConfig(
  credentials: BusCredentials,
  extra: string[] = [],
  /** Users beyond the services (test servers: a test client allowed everything). */
  otherUsers: { user: string; password: string; permissions: NatsPermissions }[] = [],
): string {
  const all = contractSubjects();
  const users = BUS_SERVICES.map((service) => {
    const c = credentials[service];
    if (!c?.user || !c.password) throw new Error(`no NATS credentials for ${service}`);
    const p = permissionsOf(service, all);
    const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;
    return [
      `    {`,
      `      user: ${q(c.user)}, password: ${q(c.password)},`,
      `      permissions: {`,
      `        publish: { allow: ${list(p.publish.allow)} },`,
      `        subscribe: { allow: ${list(p.subscribe.allow)} },`,
      `        allow_responses: true`,
      `      }`,
      `    }`,
    ].join('\n');
  });
  for (const u of otherUsers) {
    const list = (xs: string[]) => `[${xs.map(q).join(', ')}]`;
    users.push(
      `    { user: ${q(u.user)}, password: ${q(u.password)}, permissions: { publish: { allow: ${list(u.permissions.publish.allow)} }, subscribe: { allow: ${list(u.permissions.subscribe.allow)} }, allow_responses: true } }`,
    );
  }
  return [
    '# Generated from @certctl/contracts (libs/messaging/src/nats-permissions.ts). Do not edit: regenerate.',
    ...extra,
    'authorization {',
    '  users = [',
    users.join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
