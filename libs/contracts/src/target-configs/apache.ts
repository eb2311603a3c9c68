import { z } from 'zod';
import { absolutePath, argvSchema, envSchema, verifySchema } from './common';

export const apacheConfigSchema = z.object({
  /** SSLCertificateFile: the leaf, followed by its chain unless chain_path is set. */
  cert_path: absolutePath,
  /** SSLCertificateKeyFile; written 0600. */
  key_path: absolutePath,
  /** SSLCertificateChainFile (before httpd 2.4.8): the chain in its own file. */
  chain_path: absolutePath.optional(),
  /** Debian's /usr/sbin/apache2 (give `env` for its APACHE_* variables) or apachectl. */
  apache_binary: absolutePath.default('/usr/sbin/apache2'),
  config_file: absolutePath.optional(),
  server_root: absolutePath.optional(),
  test_command: argvSchema.optional(),
  reload_command: argvSchema.optional(),
  /** Environment of the commands, e.g. APACHE_RUN_DIR, APACHE_PID_FILE for Debian's binary. */
  env: envSchema,
  verify: verifySchema,
});
export type ApacheConfig = z.infer<typeof apacheConfigSchema>;
