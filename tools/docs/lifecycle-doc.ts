import {
  AUTHZ_TRANSITIONS,
  CHALLENGE_TRANSITIONS,
  INITIAL_ORDER_STATUSES,
  ORDER_TRANSITIONS,
} from '../../apps/acme/src/orders/order-state';
import { renderLifecycleDoc, table } from '../../apps/inventory/src/lifecycle-doc';

/** A Mermaid state diagram of one transition table; `initial` are the statuses a new row starts in. */
export function stateDiagram(transitions: Readonly<Record<string, readonly string[]>>, initial: readonly string[]): string[] {
  const edges = Object.entries(transitions).flatMap(([from, targets]) => targets.map((to) => `  ${from} --> ${to}`));
  const finals = Object.entries(transitions)
    .filter(([, targets]) => targets.length === 0)
    .map(([status]) => `  ${status} --> [*]`);
  return ['```mermaid', 'stateDiagram-v2', ...initial.map((status) => `  [*] --> ${status}`), ...edges, ...finals, '```', ''];
}

/** The ACME order, authorization and challenge lifecycles, from apps/acme/src/orders/order-state.ts. */
export function renderAcmeLifecycleDoc(): string {
  return [
    '# ACME order lifecycle',
    '',
    'Generated from `apps/acme/src/orders/order-state.ts`; every status write of the ACME service goes through its repositories, which refuse any other change with `illegal_transition`.',
    '',
    ...table('ACME order statuses', ORDER_TRANSITIONS),
    ...stateDiagram(ORDER_TRANSITIONS, INITIAL_ORDER_STATUSES),
    'A new order starts `pending` (`ready` for an account trusted by its profile’s EAB key). The last of its authorizations to become valid makes it `ready`; finalize claims it (`processing`) and gives it back (`ready`) when inventory refuses the request; the issuance job’s outcome makes it `valid` or `invalid`. Expiry (on read and by the scheduler’s garbage collection), a deactivated authorization or account, and a failed challenge make an unfinished order `invalid`.',
    '',
    ...table('ACME authorization statuses', AUTHZ_TRANSITIONS),
    ...table('ACME challenge statuses', CHALLENGE_TRANSITIONS),
    'A challenge response claims the challenge (`processing`) so one replica validates it; the outcome moves the challenge and its authorization together.',
    '',
  ].join('\n');
}

/** docs/lifecycle.md: the inventory's certificate and job tables, then the ACME ones. */
export function renderLifecycleDocs(): string {
  return `${renderLifecycleDoc()}\n${renderAcmeLifecycleDoc()}`;
}
