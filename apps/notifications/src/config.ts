import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema } from '@certctl/config';
import type { z } from 'zod';

export const notificationsEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  .extend({ CERTCTL_NOTIFICATIONS_PORT: portSchema(8086) });
export type NotificationsConfig = z.output<typeof notificationsEnvSchema>;
