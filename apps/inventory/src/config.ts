import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import { z } from 'zod';

export const inventoryEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend({
    CERTCTL_INVENTORY_PORT: portSchema(8081),
    /** How often pending issuance jobs are put back on the queue if their queue entry was lost. */
    CERTCTL_INVENTORY_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(60000),
    /** Default validity of a certificate whose profile does not say. */
    CERTCTL_DEFAULT_VALIDITY_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  });
export type InventoryConfig = z.output<typeof inventoryEnvSchema>;
export const INVENTORY_CONFIG = Symbol('INVENTORY_CONFIG');
