import { z } from 'zod';
import { absolutePath, endpointSchema } from './common';

export const keystoreConfigSchema = z.object({
  path: absolutePath,
  format: z.enum(['pkcs12', 'jks']),
  alias: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore')
    .default('certctl'),
  /** The name of the agent's environment variable holding the store password (never the password). */
  password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
  keytool_binary: z.string().min(1).default('/usr/bin/keytool'),
  openssl_binary: z.string().min(1).default('openssl'),
  /** Program and arguments (no shell) that makes the application reopen the store. */
  reload_command: z.array(z.string().min(1)).min(1).optional(),
  /** A TLS endpoint of the application, checked after the reload. */
  verify: endpointSchema.optional(),
});
export type KeystoreConfig = z.infer<typeof keystoreConfigSchema>;
