import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import type { z } from 'zod';

export const revocationEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend({ CERTCTL_REVOCATION_PORT: portSchema(8084) });
export type RevocationConfig = z.output<typeof revocationEnvSchema>;
