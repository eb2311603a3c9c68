import type { FastifyRequest } from 'fastify';
import type { Role } from '@certctl/contracts';
import type { EndpointSpec } from '../http/endpoint';

/** Who is calling: resolved from the API key by the guard. */
export interface Principal {
  key_id: string;
  key_name: string;
  principal: string;
  role: Role;
  agent_id: string | null;
  /** The key that created this key; null for a root key (the bootstrap key). */
  created_by: string | null;
  /** Whose key this is for the two-person rule (api-keys.service.ts ownerForNewKey). */
  owner_key_id: string;
}

/** What the gateway attaches to a request as it passes auth, validation and audit. */
export type GatewayRequest = FastifyRequest & {
  principal?: Principal;
  endpoint?: EndpointSpec;
  bodySha256?: string;
  auditResourceId?: string;
  /** The audit row's actor and action when no API key names them (a public route's own credential). */
  auditActor?: string;
  auditAction?: string;
  /** Extra facts for the audit row (never secrets). */
  auditDetails?: Record<string, unknown>;
  /** The permission that was missing when the answer is 403. */
  deniedPermission?: string;
};

/** The actor passed to other services over NATS. */
export const actorOf = (p: Principal) => ({ principal: p.principal, role: p.role, key_id: p.key_id, owner_key_id: p.owner_key_id });
