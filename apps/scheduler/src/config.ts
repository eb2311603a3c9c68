import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import type { z } from 'zod';

export const schedulerEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend({ CERTCTL_SCHEDULER_PORT: portSchema(8085) });
export type SchedulerConfig = z.output<typeof schedulerEnvSchema>;
