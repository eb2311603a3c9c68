import { type KeystoreConfig, keystoreConfigSchema } from '@certctl/contracts';

import { TargetError } from '../target';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type KeystoreConfig, keystoreConfigSchema };

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
