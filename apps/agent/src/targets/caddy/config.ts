import { z } from 'zod';
import { absolutePath, argvSchema, envSchema, verifySchema } from '../server-support';

/** `file`: certificate and key files a Caddyfile/JSON config names (`tls <cert> <key>`). */
const fileMode = z.object({
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
const adminApiMode = z.object({
  mode: z.literal('admin_api'),
  admin_url: z.string().url().default('http://127.0.0.1:2019'),
  /** The tag of the load_pem entry this target owns (replaced on each deployment). */
  tag: z.string().min(1).default('certctl'),
  verify: verifySchema,
});

export const caddyConfigSchema = z.discriminatedUnion('mode', [fileMode, adminApiMode]);
export type CaddyConfig = z.infer<typeof caddyConfigSchema>;
export type CaddyFileConfig = z.infer<typeof fileMode>;
export type CaddyAdminConfig = z.infer<typeof adminApiMode>;

function caddyArgv(config: CaddyFileConfig, verb: string, extra: string[] = []): string[] {
  return [config.caddy_binary, verb, '--config', config.config_file, ...(config.adapter ? ['--adapter', config.adapter] : []), ...extra];
}

/** `caddy validate --config <file> [--adapter a]`: loads the config and the certificate files, runs nothing. */
export const caddyTestCommand = (config: CaddyFileConfig): string[] => config.test_command ?? caddyArgv(config, 'validate');

/** `caddy reload ... --force`: the config text did not change, only the files it names. */
export const caddyReloadCommand = (config: CaddyFileConfig): string[] => config.reload_command ?? caddyArgv(config, 'reload', ['--force']);
