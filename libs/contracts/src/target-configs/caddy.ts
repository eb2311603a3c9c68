import { z } from 'zod';
import { absolutePath, argvSchema, envSchema, verifySchema } from './common';

/** `file`: certificate and key files a Caddyfile/JSON config names (`tls <cert> <key>`). */
const caddyFileMode = z.object({
  mode: z.literal('file'),
  cert_path: absolutePath,
  key_path: absolutePath,
  /** true: the leaf followed by its chain in cert_path. */
  chain_in_cert: z.boolean().default(true),
  caddy_binary: absolutePath.default('/usr/bin/caddy'),
  config_file: absolutePath,
  /** The config adapter (`caddyfile` for a Caddyfile); JSON needs none. */
  adapter: z.string().min(1).optional(),
  test_command: argvSchema.optional(),
  reload_command: argvSchema.optional(),
  env: envSchema,
  verify: verifySchema,
});

/** `admin_api`: the certificate and key pushed into the running config (apps.tls.certificates.load_pem). */
const caddyAdminApiMode = z.object({
  mode: z.literal('admin_api'),
  admin_url: z.string().url().default('http://127.0.0.1:2019'),
  /** The tag of the load_pem entry this target owns (replaced on each deployment). */
  tag: z.string().min(1).default('certctl'),
  verify: verifySchema,
});

export const caddyConfigSchema = z.discriminatedUnion('mode', [caddyFileMode, caddyAdminApiMode]);
export type CaddyConfig = z.infer<typeof caddyConfigSchema>;
export type CaddyFileConfig = z.infer<typeof caddyFileMode>;
export type CaddyAdminConfig = z.infer<typeof caddyAdminApiMode>;
