import { z } from 'zod';
import { BUS_SERVICES } from './services';

/** One service's readiness as the gateway saw it on its /ready (GET /api/v1/system/readiness). */
export const serviceReadinessSchema = z.object({
  service: z.enum(BUS_SERVICES),
  ready: z.boolean(),
  /** ready, not_ready, shutting_down (from the service), or unreachable (no answer). */
  status: z.enum(['ready', 'not_ready', 'shutting_down', 'unreachable']),
  /** Each dependency the service checks (database, redis, nats): ok or unavailable. No addresses, no messages. */
  checks: z.record(z.string(), z.enum(['ok', 'unavailable'])),
  /** How long the probe took, milliseconds. */
  latency_ms: z.number().int().nonnegative(),
  /** Why it is not ready, in a few words; null when ready. */
  detail: z.string().nullable(),
});
export type ServiceReadinessDto = z.output<typeof serviceReadinessSchema>;

export const platformReadinessSchema = z.object({
  /** True when every service is ready. */
  ready: z.boolean(),
  checked_at: z.iso.datetime(),
  services: z.array(serviceReadinessSchema),
});
export type PlatformReadinessDto = z.output<typeof platformReadinessSchema>;
