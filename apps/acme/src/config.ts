import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import type { z } from 'zod';

export const acmeEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend({ CERTCTL_ACME_PORT: portSchema(8083) });
export type AcmeConfig = z.output<typeof acmeEnvSchema>;
