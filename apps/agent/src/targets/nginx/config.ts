import { z } from 'zod';
import { absolutePath, argvSchema, verifySchema } from '../server-support';

export const nginxConfigSchema = z.object({
  cert_path: absolutePath,
  key_path: absolutePath,
  /** true: the leaf and its chain in cert_path (what `ssl_certificate` expects); false: the leaf only. */
  chain_in_cert: z.boolean().default(true),
  nginx_binary: absolutePath.default('/usr/sbin/nginx'),
  config_file: absolutePath.optional(),
  prefix: absolutePath.optional(),
  test_command: argvSchema.optional(),
  reload_command: argvSchema.optional(),
  verify: verifySchema,
});
export type NginxConfig = z.infer<typeof nginxConfigSchema>;

function nginxArgv(config: NginxConfig, action: string[]): string[] {
  return [
    config.nginx_binary,
    ...(config.prefix ? ['-p', config.prefix] : []),
    ...(config.config_file ? ['-c', config.config_file] : []),
    ...action,
  ];
}

/** `nginx [-p prefix] [-c config_file] -t`, unless the target names its own command. */
export const nginxTestCommand = (config: NginxConfig): string[] => config.test_command ?? nginxArgv(config, ['-t']);

/** `nginx [-p prefix] [-c config_file] -s reload` (a graceful reload: old workers finish their connections). */
export const nginxReloadCommand = (config: NginxConfig): string[] => config.reload_command ?? nginxArgv(config, ['-s', 'reload']);
