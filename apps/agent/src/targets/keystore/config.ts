import { z } from 'zod';
import { absolutePath, endpointSchema } from '../connector-support';
import { TargetError } from '../target';

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

export const storeType = (config: KeystoreConfig) => (config.format === 'jks' ? 'JKS' : 'PKCS12');

/** The store password from the agent's environment, or a clear error naming the variable. */
export function storePassword(config: KeystoreConfig): string {
  const value = process.env[config.password_env];
  if (!value)
    throw new TargetError(
      'config',
      `the keystore password variable ${config.password_env} (password_env) is not set in the agent's environment`,
    );
  return value;
}

/** keytool arguments reading the store at `path` with the password from the environment. */
export const storeArgs = (config: KeystoreConfig, path = config.path) => [
  '-keystore',
  path,
  '-storetype',
  storeType(config),
  '-storepass:env',
  config.password_env,
];
