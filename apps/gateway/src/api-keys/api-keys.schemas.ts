import { z } from 'zod';
import { idSchema, isoDateSchema, nameSchema, roleSchema } from '@certctl/contracts';
import { listQuerySchema, pageSchema } from '../http/pagination';

const isoDate = isoDateSchema;

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  principal: z.string(),
  role: roleSchema,
  agent_id: z.string().nullable(),
  key_prefix: z.string().describe('First characters of the key, to tell keys apart; never the key'),
  status: z.enum(['active', 'disabled', 'expired']),
  created_at: isoDate,
  last_used_at: isoDate.nullable(),
  expires_at: isoDate.nullable(),
  disabled_at: isoDate.nullable(),
  created_by: z.string().nullable().describe('The key that created this key; null for a root key (the bootstrap key)'),
  owner_key_id: z.string().describe('Whose key this is for the two-person rule: a key made from a person’s key counts as that person'),
});
export const apiKeyWithSecretSchema = apiKeySchema.extend({
  key: z.string().describe('The secret API key. Shown only in this response: store it now.'),
});

export const createApiKeySchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, . _ - (starting with a letter or digit)'),
    principal: nameSchema.optional().describe('Who acts with this key (audit actor); defaults to the name'),
    role: roleSchema,
    agent_id: idSchema.optional().describe('Required for role agent: the only agent this key may act for'),
    expires_at: isoDate.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'agent' && !v.agent_id) ctx.addIssue({ code: 'custom', path: ['agent_id'], message: 'is required for role agent' });
    if (v.role !== 'agent' && v.agent_id) ctx.addIssue({ code: 'custom', path: ['agent_id'], message: 'is only for role agent' });
    if (v.expires_at && Date.parse(v.expires_at) <= Date.now())
      ctx.addIssue({ code: 'custom', path: ['expires_at'], message: 'must be in the future' });
  });
export type CreateApiKey = z.infer<typeof createApiKeySchema>;

export const listApiKeysQuerySchema = listQuerySchema.extend({
  role: roleSchema.optional(),
  status: z.enum(['active', 'disabled', 'expired']).optional(),
});
export const apiKeyPageSchema = pageSchema(apiKeySchema);
