import { z } from 'zod';
import { PERMISSIONS, roleSchema } from './rbac';

/** GET /api/v1/auth/whoami: the caller's key, role and permissions (what the dashboard shows and enables). */
export const whoamiResponseSchema = z.object({
  key_id: z.string(),
  key_name: z.string(),
  principal: z.string(),
  role: roleSchema,
  agent_id: z.string().nullable(),
  permissions: z.array(z.enum(PERMISSIONS as [string, ...string[]])),
});
export type WhoamiResponse = z.infer<typeof whoamiResponseSchema>;
