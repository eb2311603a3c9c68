import type { z } from 'zod';
import { type BusService, rpcOwnerOf } from './services';

/**
 * Contracts on the bus. Request/reply: certctl.v1.<owner>.<entity>.<verb>, answered by the
 * owner's replicas in a queue group. Events: certctl.v1.events.<entity>.<past-verb>.
 * Subjects are wire names: never rename one; a breaking change is a new versioned subject.
 */

/** A request/reply contract: one subject, a request schema and a reply schema, checked at both ends. */
export interface RpcContract<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly request: Req;
  readonly response: Res;
}
export interface EventContract<P extends z.ZodType = z.ZodType> {
  readonly subject: string;
  readonly payload: P;
}
export type RpcRequest<C extends RpcContract> = z.input<C['request']>;
export type RpcRequestParsed<C extends RpcContract> = z.output<C['request']>;
export type RpcResponse<C extends RpcContract> = z.output<C['response']>;
export type EventPayload<E extends EventContract> = z.output<E['payload']>;

/** A request/reply contract as declared: the service whose replicas answer it and the services allowed to call it. */
export interface RpcDeclaration<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> extends RpcContract<Req, Res> {
  readonly kind: 'rpc';
  readonly owner: BusService;
  readonly callers: readonly BusService[];
}
/** An event as declared: the services that emit it and those that subscribe to it. */
export interface EventDeclaration<P extends z.ZodType = z.ZodType> extends EventContract<P> {
  readonly kind: 'event';
  readonly emitters: readonly BusService[];
  readonly consumers: readonly BusService[];
}
export type ContractDeclaration = RpcDeclaration | EventDeclaration;

interface RpcSpec<Req extends z.ZodType, Res extends z.ZodType> {
  subject: string;
  owner: BusService;
  callers: readonly BusService[];
  request: Req;
  response: Res;
}
interface EventSpec<P extends z.ZodType> {
  subject: string;
  emitters: readonly BusService[];
  consumers: readonly BusService[];
  payload: P;
}

/**
 * Declares a contract, the one way every contract is written (filed under its owner:
 * libs/contracts/src/<owner>/<entity>.ts). A request/reply contract names its owner and
 * callers; an event its emitters and consumers. The NATS permissions, the bus-usage check of
 * the apps' sources, the start-up handler check and the architecture matrix all read these.
 */
export function contract<Req extends z.ZodType, Res extends z.ZodType>(spec: RpcSpec<Req, Res>): RpcDeclaration<Req, Res>;
export function contract<P extends z.ZodType>(spec: EventSpec<P>): EventDeclaration<P>;
export function contract(spec: RpcSpec<z.ZodType, z.ZodType> | EventSpec<z.ZodType>): ContractDeclaration {
  if ('payload' in spec) {
    if (!spec.subject.startsWith('certctl.v1.events.')) throw new Error(`event ${spec.subject}: not under certctl.v1.events.`);
    if (spec.emitters.length === 0) throw new Error(`event ${spec.subject}: declares no emitter`);
    return Object.freeze({ kind: 'event' as const, ...spec });
  }
  if (rpcOwnerOf(spec.subject) !== spec.owner || !spec.subject.startsWith('certctl.v1.')) {
    throw new Error(`contract ${spec.subject}: its subject is not under certctl.v1.${spec.owner}.`);
  }
  if (spec.callers.length === 0) throw new Error(`contract ${spec.subject}: declares no caller`);
  return Object.freeze({ kind: 'rpc' as const, ...spec });
}
