// What each service cannot start without, read from the services' own config schemas (the
// same zod schemas loadConfig parses at start), so the Helm chart and compose file are
// checked against the code rather than against a list kept by hand.
import type { z } from 'zod';
import { BUS_SERVICES, type BusService } from '@certctl/contracts';
import { principalSigners } from '@certctl/messaging';
import { acmeEnvSchema } from '../../apps/acme/src/config';
import { gatewayEnvSchema } from '../../apps/gateway/src/config';
import { inventoryEnvSchema } from '../../apps/inventory/src/config';
import { issuanceEnvSchema } from '../../apps/issuance/src/config';
import { notificationsEnvSchema } from '../../apps/notifications/src/config';
import { revocationEnvSchema } from '../../apps/revocation/src/config';
import { schedulerEnvSchema } from '../../apps/scheduler/src/config';

export const SERVICE_ENV_SCHEMAS: Record<BusService, z.ZodObject> = {
  gateway: gatewayEnvSchema,
  inventory: inventoryEnvSchema,
  issuance: issuanceEnvSchema,
  acme: acmeEnvSchema,
  revocation: revocationEnvSchema,
  scheduler: schedulerEnvSchema,
  notifications: notificationsEnvSchema,
};

/** One requirement: any one of these variables, set to a non-empty value. */
export type Requirement = readonly string[];

/**
 * The variables a schema requires: those it refuses when unset (no default, not optional).
 * A schema that seals values at rest (it has the encryption keyring) also requires one of
 * CERTCTL_ENCRYPTION_KEY / CERTCTL_ENCRYPTION_KEYS, as loadConfig checks at start.
 */
export function requiredEnv(schema: z.ZodObject): Requirement[] {
  const shape = schema.shape as Record<string, z.ZodType>;
  const required: Requirement[] = Object.entries(shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([name]) => [name]);
  if ('CERTCTL_ENCRYPTION_KEYS' in shape) required.push(['CERTCTL_ENCRYPTION_KEY', 'CERTCTL_ENCRYPTION_KEYS']);
  return required.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * With the bus authenticated (the deployments' default), also the service's NATS user, the
 * gateway's verify key, and the signing key of the services that sign principals.
 */
export function requiredBusEnv(service: BusService): Requirement[] {
  const req: Requirement[] = [['NATS_USER'], ['NATS_PASSWORD'], ['CERTCTL_PRINCIPAL_VERIFY_KEY']];
  if (principalSigners().includes(service)) req.push(['CERTCTL_PRINCIPAL_SIGNING_KEY']);
  return req;
}

/** Every requirement of one service: its schema's, plus the bus credentials when `busAuth`. */
export function serviceRequirements(service: BusService, busAuth = true): Requirement[] {
  return [...requiredEnv(SERVICE_ENV_SCHEMAS[service]), ...(busAuth ? requiredBusEnv(service) : [])];
}

/** The requirements no variable in `present` satisfies. */
export function missingEnv(requirements: Requirement[], present: Iterable<string>): Requirement[] {
  const have = new Set(present);
  return requirements.filter((alternatives) => !alternatives.some((v) => have.has(v)));
}

export { BUS_SERVICES };
