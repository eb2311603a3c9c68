import { z } from 'zod';
import { registerAgentBodySchema } from './agents';
import { isoDateSchema, nameSchema } from './schemas';

/** Agent bootstrap tokens: an admin mints one, an agent exchanges it once for its own agent and API key. */

/** Longest a bootstrap token lives: 7 days. */
export const BOOTSTRAP_TOKEN_MAX_SECONDS = 7 * 24 * 3600;

export const createBootstrapTokenBodySchema = z.strictObject({
  name_prefix: nameSchema.max(64).optional().describe('When set, an agent bootstrapped with this token must have a name starting with it'),
  expires_in_seconds: z.number().int().min(60).max(BOOTSTRAP_TOKEN_MAX_SECONDS).default(3600),
  uses: z.number().int().min(1).max(1000).default(1).describe('How many agents may bootstrap with this token'),
});

export const bootstrapTokenSchema = z.object({
  id: z.string(),
  name_prefix: z.string().nullable(),
  uses_left: z.number().int(),
  status: z.enum(['active', 'expired', 'used']),
  expires_at: isoDateSchema,
  created_by: z.string(),
  created_at: isoDateSchema,
  last_used_at: isoDateSchema.nullable(),
});

export const createdBootstrapTokenSchema = bootstrapTokenSchema.extend({
  token: z.string().describe('The token itself (`cbt_…`), shown only in this answer'),
});

/** The body an agent sends with its bootstrap token: the same as registering an agent. */
export const agentBootstrapBodySchema = registerAgentBodySchema;
