import { BUS_SERVICES, type BusService, type DeclaredContracts, busUsageOf, declaredContracts } from '@certctl/contracts';

/** Every request/reply and event subject declared in @certctl/contracts (libs/contracts/src/<owner>/). */
export function contractSubjects(declared: DeclaredContracts = declaredContracts()): { rpc: string[]; events: string[] } {
  return { rpc: declared.rpc.map((c) => c.subject), events: declared.events.map((e) => e.subject) };
}

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

/** Replies travel on the requester's inbox: subscribe here, publish only as an answer (allow_responses). */
export const INBOX_SUBJECTS = '_INBOX.>';

/**
 * What a service that consumes events needs of JetStream (durable-events.ts): the events
 * stream's setup and its own consumers' creation, pulls and acknowledgements, and the
 * dead-letter subjects. Nothing of other streams, no deletion.
 */
export const JETSTREAM_CONSUMER_SUBJECTS: readonly string[] = [
  '$JS.API.INFO',
  '$JS.API.STREAM.INFO.CERTCTL_EVENTS',
  '$JS.API.STREAM.CREATE.CERTCTL_EVENTS',
  '$JS.API.STREAM.UPDATE.CERTCTL_EVENTS',
  '$JS.API.CONSUMER.CREATE.CERTCTL_EVENTS.>',
  '$JS.API.CONSUMER.DURABLE.CREATE.CERTCTL_EVENTS.>',
  '$JS.API.CONSUMER.INFO.CERTCTL_EVENTS.>',
  '$JS.API.CONSUMER.MSG.NEXT.CERTCTL_EVENTS.>',
  '$JS.ACK.CERTCTL_EVENTS.>',
  'certctl.v1.dead.>',
];

/**
 * A service's NATS permissions, generated from the contract declarations: it subscribes to
 * the subjects it owns, the events it consumes and its reply inbox; it publishes to the
 * subjects it is a caller of and the events it emits. Replies to requests it received are
 * allowed by `allow_responses` (not by a publish right on _INBOX.>, which would let it answer
 * requests meant for others).
 */
export function permissionsOf(service: BusService, declared: DeclaredContracts = declaredContracts()): NatsPermissions {
  const usage = busUsageOf(service, declared);
  const subjects = (xs: readonly { subject: string }[]) => xs.map((c) => c.subject);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  return {
    publish: {
      allow: uniq([...subjects(usage.calls), ...subjects(usage.emits), ...(usage.consumes.length ? JETSTREAM_CONSUMER_SUBJECTS : [])]),
    },
    subscribe: { allow: uniq([...subjects(usage.answers), ...subjects(usage.consumes), INBOX_SUBJECTS]) },
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
  const declared = declaredContracts();
  const users = BUS_SERVICES.map((service) => {
    const c = credentials[service];
    if (!c?.user || !c.password) throw new Error(`no NATS credentials for ${service}`);
    const p = permissionsOf(service, declared);
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
