import type { INestApplicationContext, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { type DeclaredContracts, type RpcContract, declaredContracts } from '@certctl/contracts';
import { contractOf } from './rpc-handler';

/** One `@RpcHandler` method found on a controller: the subject it answers and where it is. */
export interface RpcHandlerSite {
  subject: string;
  /** `Controller.method`, for the message. */
  where: string;
}

/** The `@RpcHandler` methods of one controller class (its own and inherited ones). */
export function rpcHandlersOfClass(controller: Type<unknown>): RpcHandlerSite[] {
  const sites: RpcHandlerSite[] = [];
  const seen = new Set<string>();
  for (let proto = controller.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || seen.has(name)) continue;
      seen.add(name);
      const method = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      const contract: RpcContract | undefined = typeof method === 'function' ? contractOf(method) : undefined;
      if (contract) sites.push({ subject: contract.subject, where: `${controller.name}.${name}` });
    }
  }
  return sites;
}

/** Every `@RpcHandler` of a Nest application: the controllers of all its modules. */
export function rpcHandlersOfApp(app: INestApplicationContext): RpcHandlerSite[] {
  const sites: RpcHandlerSite[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      if (wrapper.metatype) sites.push(...rpcHandlersOfClass(wrapper.metatype as Type<unknown>));
    }
  }
  return sites;
}

/**
 * What is wrong with a service's handlers against the contracts: each contract the service
 * owns needs exactly one `@RpcHandler`, and it may answer no subject another service owns
 * (or none at all). Empty when all is well.
 */
export function rpcHandlerProblems(service: string, sites: RpcHandlerSite[], declared: DeclaredContracts = declaredContracts()): string[] {
  const bySubject = new Map<string, string[]>();
  for (const site of sites) bySubject.set(site.subject, [...(bySubject.get(site.subject) ?? []), site.where]);
  const owned = declared.rpc.filter((c) => c.owner === service).map((c) => c.subject);
  const problems: string[] = [];
  for (const subject of owned) {
    const where = bySubject.get(subject) ?? [];
    if (where.length === 0) problems.push(`no @RpcHandler answers ${subject}`);
    if (where.length > 1) problems.push(`${where.length} @RpcHandler answer ${subject} (${where.join(', ')})`);
  }
  for (const [subject, where] of bySubject) {
    if (owned.includes(subject)) continue;
    const owner = declared.rpc.find((c) => c.subject === subject)?.owner;
    problems.push(`${where.join(', ')} answers ${subject}, ${owner ? `a contract ${owner} owns` : 'which no contract declares'}`);
  }
  return problems;
}

/** Refuses to start a service whose handlers do not match the contracts it owns: one line naming each subject. */
export function assertRpcHandlers(service: string, app: INestApplicationContext, declared?: DeclaredContracts): void {
  const problems = rpcHandlerProblems(service, rpcHandlersOfApp(app), declared);
  if (problems.length > 0) throw new Error(`certctl-${service} handlers do not match its contracts: ${problems.join('; ')}`);
}
