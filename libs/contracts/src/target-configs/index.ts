import { z } from 'zod';
import { configJsonSchema } from '../config-json-schema';
import { type TargetType, targetTypeSchema } from '../inventory-config';
import { apacheConfigSchema } from './apache';
import { awsAcmConfigSchema } from './aws-acm';
import { caddyConfigSchema } from './caddy';
import { directoryConfigSchema } from './directory';
import { dovecotConfigSchema } from './dovecot';
import { haproxyConfigSchema } from './haproxy';
import { keystoreConfigSchema } from './keystore';
import { nginxConfigSchema } from './nginx';
import { postfixConfigSchema } from './postfix';
import { sshConfigSchema } from './ssh';

export * from './common';
export * from './apache';
export * from './aws-acm';
export * from './caddy';
export * from './directory';
export * from './dovecot';
export * from './haproxy';
export * from './keystore';
export * from './nginx';
export * from './postfix';
export * from './ssh';

/** What the API knows of one target type's `config`: its schema and the fields it answers masked. */
export interface TargetConfigSpec {
  schema: z.ZodType;
  /** Top-level fields whose values are stored sealed and answered masked (secret-named keys). */
  secretFields: readonly string[];
}

/**
 * The `config` schema of each target type an agent deploys to: the API refuses (422) what the
 * agent would refuse, the dashboard renders its form from them. Types without an entry (envoy,
 * traefik, iis, f5, kubernetes-secret, file, script) keep a free-form `config`.
 */
export const TARGET_CONFIG_SPECS: Partial<Record<TargetType, TargetConfigSpec>> = {
  nginx: { schema: nginxConfigSchema, secretFields: [] },
  apache: { schema: apacheConfigSchema, secretFields: [] },
  haproxy: { schema: haproxyConfigSchema, secretFields: [] },
  caddy: { schema: caddyConfigSchema, secretFields: [] },
  directory: { schema: directoryConfigSchema, secretFields: [] },
  postfix: { schema: postfixConfigSchema, secretFields: [] },
  dovecot: { schema: dovecotConfigSchema, secretFields: [] },
  keystore: { schema: keystoreConfigSchema, secretFields: ['password_env'] },
  ssh: { schema: sshConfigSchema, secretFields: [] },
  'aws-acm': { schema: awsAcmConfigSchema, secretFields: [] },
};

/** The config spec of a target type, or undefined when its `config` is free-form. */
export function targetConfigSpec(type: string): TargetConfigSpec | undefined {
  return Object.hasOwn(TARGET_CONFIG_SPECS, type) ? TARGET_CONFIG_SPECS[type as TargetType] : undefined;
}

const freeFormConfig = z.record(z.string(), z.unknown());

/** Each target type with the JSON Schema of its `config` (GET /api/v1/target-types). */
export function targetTypeSchemas(): TargetTypeSchema[] {
  return targetTypeSchema.options.map((type) => {
    const spec = targetConfigSpec(type);
    return {
      type,
      config_schema: configJsonSchema(spec?.schema ?? freeFormConfig, spec?.secretFields ?? []),
      secret_fields: [...(spec?.secretFields ?? [])],
      free_form: !spec,
    };
  });
}

export const targetTypesResponseSchema = z.object({
  data: z.array(
    z.object({
      type: targetTypeSchema,
      config_schema: z
        .record(z.string(), z.unknown())
        .describe("JSON Schema (draft 2020-12) of the type's `config` as the API and the agent validate it; secret fields carry writeOnly"),
      secret_fields: z.array(z.string()).describe('Top-level config fields masked in every answer'),
      free_form: z.boolean().describe('True when no agent deploys to this type yet: its `config` is any JSON object'),
    }),
  ),
});
export type TargetTypeSchema = z.infer<typeof targetTypesResponseSchema>['data'][number];
