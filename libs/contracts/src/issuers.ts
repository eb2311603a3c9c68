import { z } from 'zod';
import { nameConstraintsSchema } from './issuer-ca';
import { idSchema, nameSchema } from './schemas';

/** Issuers: the local CA hierarchy (roots and intermediates of any depth, a tree view, retirement) and connector issuers. */

export const caKeyAlgorithmSchema = z.enum(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519']);

export const createLocalIssuerBodySchema = z.strictObject({
  id: idSchema.optional().describe('Chosen id (default: generated)'),
  name: nameSchema,
  type: z.literal('local').describe('The built-in CA'),
  parent_id: idSchema.optional().describe('Make an intermediate signed by this local issuer; omit for a new root'),
  key_algorithm: caKeyAlgorithmSchema.default('ECDSA-P256'),
  validity_days: z.number().int().min(1).max(36500).default(3650),
  common_name: z.string().min(1).max(64).optional(),
  organization: z.string().min(1).max(64).optional(),
  path_length: z.number().int().min(0).max(10).optional().describe('How many CA levels may follow below this one'),
  name_constraints: nameConstraintsSchema.optional(),
});

/** An issuer run by a connector other than the local CA (docs/connectors.md). */
export const createConnectorIssuerBodySchema = z.strictObject({
  id: idSchema.optional().describe('Chosen id (default: generated)'),
  name: nameSchema,
  type: z
    .enum(['script', 'acme', 'aws-acm-pca', 'stepca'])
    .describe(
      'Connector type: script, acme (an external RFC 8555 CA), aws-acm-pca (AWS Private CA) or stepca (smallstep step-ca, JWK provisioner)',
    ),
  config: z
    .record(z.string(), z.unknown())
    .describe("Validated by the connector's own schema; stored encrypted, secret fields masked in every answer"),
});

export const createIssuerBodySchema = z.discriminatedUnion('type', [createLocalIssuerBodySchema, createConnectorIssuerBodySchema]);

export const issuerTestResponseSchema = z.object({
  ok: z.boolean(),
  detail: z.string(),
  duration_ms: z.number().int().nonnegative(),
  capabilities: z.array(z.enum(['ca_chain', 'crl_signing', 'ari'])).describe('Optional connector capabilities, detected at run time'),
});

export const issuerTypesResponseSchema = z.object({
  data: z.array(
    z.object({
      type: z.string().describe('An issuer type with a connector: script, acme, aws-acm-pca, stepca'),
      config_schema: z
        .record(z.string(), z.unknown())
        .describe("JSON Schema (draft 2020-12) of the type's `config` as its connector validates it; secret fields carry writeOnly"),
      secret_fields: z.array(z.string()).describe('Top-level config fields masked in every answer'),
    }),
  ),
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
