import * as acme from './acme';
import * as gateway from './gateway';
import type { ContractDeclaration, EventDeclaration, RpcDeclaration } from './contract';
import * as inventory from './inventory';
import * as issuance from './issuance';
import * as notifications from './notifications';
import * as revocation from './revocation';
import type { BusService } from './services';

/** The contracts of the bus, by owner: every file under ./<owner>/. */
export const CONTRACTS_BY_OWNER = { inventory, issuance, acme, revocation, notifications, gateway } as const;

export interface DeclaredContracts {
  /** Request/reply contracts, by subject. */
  rpc: readonly RpcDeclaration[];
  /** Events, by subject. */
  events: readonly EventDeclaration[];
}

const isDeclaration = (v: unknown): v is ContractDeclaration =>
  typeof v === 'object' && v !== null && ((v as { kind?: unknown }).kind === 'rpc' || (v as { kind?: unknown }).kind === 'event');

function collect(v: unknown, out: Set<ContractDeclaration>, depth: number): void {
  if (isDeclaration(v)) return void out.add(v);
  // zod schemas are not contracts and hold none
  if (!v || typeof v !== 'object' || depth > 4 || typeof (v as { safeParse?: unknown }).safeParse === 'function') return;
  for (const child of Object.values(v)) collect(child, out, depth + 1);
}

/**
 * Every contract declared under ./<owner>/, sorted by subject. Two declarations of one
 * subject are a mistake caught here (each subject is declared once).
 */
export function declaredContracts(root: unknown = CONTRACTS_BY_OWNER): DeclaredContracts {
  const found = new Set<ContractDeclaration>();
  collect(root, found, 0);
  const bySubject = new Map<string, ContractDeclaration>();
  for (const c of found) {
    if (bySubject.has(c.subject)) throw new Error(`contract ${c.subject} is declared twice`);
    bySubject.set(c.subject, c);
  }
  const sorted = [...bySubject.values()].sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
  return {
    rpc: sorted.filter((c): c is RpcDeclaration => c.kind === 'rpc'),
    events: sorted.filter((c): c is EventDeclaration => c.kind === 'event'),
  };
}

/** What one service does on the bus, read from the declarations. */
export interface BusUsage {
  /** Request/reply contracts it answers (it owns them). */
  answers: readonly RpcDeclaration[];
  /** Request/reply contracts it calls. */
  calls: readonly RpcDeclaration[];
  /** Events it publishes. */
  emits: readonly EventDeclaration[];
  /** Events it subscribes to (queue-group handlers and in-process waiters alike). */
  consumes: readonly EventDeclaration[];
}

export function busUsageOf(service: BusService, declared: DeclaredContracts = declaredContracts()): BusUsage {
  return {
    answers: declared.rpc.filter((c) => c.owner === service),
    calls: declared.rpc.filter((c) => c.callers.includes(service)),
    emits: declared.events.filter((e) => e.emitters.includes(service)),
    consumes: declared.events.filter((e) => e.consumers.includes(service)),
  };
}
