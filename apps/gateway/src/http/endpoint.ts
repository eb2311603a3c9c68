import 'reflect-metadata';
import { RequestMethod, SetMetadata, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { z } from 'zod';
import type { Permission } from '@certctl/contracts';
import { IS_PUBLIC } from '@certctl/platform';

export const ENDPOINT = 'certctl:endpoint';

/** Everything the gateway knows about one route: who may call it, what it takes, what it returns. */
export interface EndpointSpec {
  /** The one permission this route needs (see ROLE_PERMISSIONS). */
  permission: Permission;
  summary: string;
  tag: string;
  /** Audit action name; every non-GET route is audited, this names it (default: "<method> <path>"). */
  action?: string;
  /** Resource type written to the audit row; its id comes from the :id parameter or the created object. */
  resource?: string;
  /**
   * false only for liveness signals that change no configuration or lifecycle state
   * (agent heartbeats: their effect is the agent's last_heartbeat_at, and a fleet sends
   * thousands a second); true for reads that must be audited too (a private key download).
   * 401/403 answers are audited regardless.
   */
  audit?: boolean;
  /** The body carries a secret (a passphrase): its audit row keeps no hash of it. */
  secretBody?: true;
  /** For the agent role: the route parameter that must equal the key's agent id. */
  agentParam?: string;
  body?: z.ZodType;
  query?: z.ZodType;
  response?: z.ZodType;
  /** The media type of a success answer that is not JSON (a download: text/csv); documented without a schema. */
  produces?: string;
  /** Success status (default 200, 201 for creates declared with @HttpCode). */
  status?: number;
  /** Extra documented error statuses besides the defaults. */
  errors?: number[];
}

/** Declares a route's permission and contract. A gateway route without it (or @Public) fails the start. */
export const Endpoint = (spec: EndpointSpec): MethodDecorator => SetMetadata(ENDPOINT, spec);

export interface RouteInfo {
  method: string;
  /** Fastify-style path, e.g. /api/v1/certificates/:id */
  path: string;
  /** OpenAPI-style path, e.g. /api/v1/certificates/{id} */
  openApiPath: string;
  controller: string;
  handler: string;
  public: boolean;
  spec?: EndpointSpec;
}

const METHOD_NAMES: Record<number, string> = {
  [RequestMethod.GET]: 'GET',
  [RequestMethod.POST]: 'POST',
  [RequestMethod.PUT]: 'PUT',
  [RequestMethod.DELETE]: 'DELETE',
  [RequestMethod.PATCH]: 'PATCH',
  [RequestMethod.OPTIONS]: 'OPTIONS',
  [RequestMethod.HEAD]: 'HEAD',
  [RequestMethod.ALL]: 'ALL',
};

function joinPath(...parts: (string | string[] | undefined)[]): string {
  const segs = parts.flatMap((p) => (Array.isArray(p) ? p[0] : p) ?? '').flatMap((p) => p.split('/').filter(Boolean));
  return '/' + segs.join('/');
}

/** Every route of the given controllers, read from Nest's own metadata (no app instance needed). */
export function describeRoutes(controllers: readonly Type<unknown>[]): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const ctrl of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, ctrl) as string | string[] | undefined;
    const ctrlPublic = Reflect.getMetadata(IS_PUBLIC, ctrl) === true;
    const proto = ctrl.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const fn = proto[name];
      if (typeof fn !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      if (method === undefined) continue;
      const sub = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
      const path = joinPath(base, sub);
      routes.push({
        method: METHOD_NAMES[method] ?? String(method),
        path,
        openApiPath: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
        controller: ctrl.name,
        handler: name,
        public: ctrlPublic || Reflect.getMetadata(IS_PUBLIC, fn) === true,
        spec: Reflect.getMetadata(ENDPOINT, fn) as EndpointSpec | undefined,
      });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** Fails when a route declares neither a permission nor @Public(): nothing is open by accident. */
export function assertEveryRouteDeclared(routes: readonly RouteInfo[]): void {
  const bad = routes.filter((r) => !r.public && !r.spec);
  if (bad.length) {
    throw new Error(
      `routes without a declared permission (add @Endpoint({ permission, ... }) or @Public()): ${bad
        .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`)
        .join(', ')}`,
    );
  }
  const both = routes.filter((r) => r.public && r.spec);
  if (both.length) throw new Error(`routes both public and permissioned: ${both.map((r) => `${r.method} ${r.path}`).join(', ')}`);
}
