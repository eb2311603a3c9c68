import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema } from '@certctl/config';
import { z } from 'zod';

export const gatewayEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend({
    CERTCTL_GATEWAY_PORT: portSchema(8080),
    CERTCTL_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /** How long a verified API key is trusted from memory before it is looked up again. */
    CERTCTL_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(300000).default(30000),
  });
export type GatewayConfig = z.output<typeof gatewayEnvSchema>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
