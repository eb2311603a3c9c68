import { z } from 'zod';
import { absolutePath, argvSchema, verifySchema } from './common';

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
