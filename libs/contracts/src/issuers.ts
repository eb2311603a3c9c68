import { z } from 'zod';
import { defineRpc as rpc } from './contracts';
import { nameConstraintsSchema } from './issuer-ca';
import { actorSchema, idSchema, issuerSchema, nameSchema } from './schemas';

/** The local CA hierarchy: roots and intermediates of any depth, a tree view, retirement. */

export const caKeyAlgorithmSchema = z.enum(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519']);

export const createIssuerBodySchema = z.strictObject({
  id: idSchema.optional().describe('Chosen id (default: generated)'),
  name: nameSchema,
  type: z.literal('local').describe('The built-in CA; other connector types are configured by their own issue'),
  parent_id: idSchema.optional().describe('Make an intermediate signed by this local issuer; omit for a new root'),
  key_algorithm: caKeyAlgorithmSchema.default('ECDSA-P256'),
  validity_days: z.number().int().min(1).max(36500).default(3650),
  common_name: z.string().min(1).max(64).optional(),
  organization: z.string().min(1).max(64).optional(),
  path_length: z.number().int().min(0).max(10).optional().describe('How many CA levels may follow below this one'),
  name_constraints: nameConstraintsSchema.optional(),
});

export interface IssuerTreeNode {
  id: string;
  name: string;
  enabled: boolean;
  subject: string | null;
  not_after: string | null;
  children: IssuerTreeNode[];
}
export const issuerTreeSchema: z.ZodType<IssuerTreeNode> = z.lazy(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    subject: z.string().nullable(),
    not_after: z.string().nullable(),
    children: z.array(issuerTreeSchema),
  }),
);

export const IssuerRpc = {
  create: rpc('certctl.v1.issuance.issuer.create', z.object({ actor: actorSchema, body: createIssuerBodySchema }), issuerSchema),
  hierarchy: rpc('certctl.v1.issuance.issuer.hierarchy', z.object({ id: idSchema }), issuerTreeSchema),
  retire: rpc('certctl.v1.issuance.issuer.retire', z.object({ actor: actorSchema, id: idSchema }), issuerSchema),
} as const;
