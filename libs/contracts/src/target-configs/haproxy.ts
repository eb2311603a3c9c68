import { z } from 'zod';
import { absolutePath, argvSchema, verifySchema } from './common';

/**
 * How HAProxy picks up the new PEM, all hitless in master-worker mode (-W / `master-worker`):
 * `master-socket` sends `reload` on the master CLI (-S), `signal` sends SIGUSR2 to the master
 * whose PID is in pid_file, `command` runs the operator's own argv (e.g. systemctl reload haproxy).
 */
export const haproxyReloadSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('master-socket'), master_socket: absolutePath }),
  z.object({ mode: z.literal('signal'), pid_file: absolutePath }),
  z.object({ mode: z.literal('command'), command: argvSchema }),
]);

export const haproxyConfigSchema = z.object({
  /** The combined PEM (leaf, chain, key) a `bind ... ssl crt` line names; written 0600. */
  pem_path: absolutePath,
  haproxy_binary: absolutePath.default('/usr/sbin/haproxy'),
  config_file: absolutePath,
  reload: haproxyReloadSchema,
  verify: verifySchema,
});
export type HaproxyConfig = z.infer<typeof haproxyConfigSchema>;
