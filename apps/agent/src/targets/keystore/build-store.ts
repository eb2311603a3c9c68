import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStep, stagingDir } from '../connector-support';
import type { DeployMaterial, TargetContext } from '../target';
import { TargetError } from '../target';
import { type KeystoreConfig, storeArgs, storePassword } from './config';

/**
 * Builds the new store in a private staging directory: a PKCS#12 made by openssl (the key,
 * the leaf and its chain under `alias`, protected by the password from `password_env`), then
 * for JKS the same entry converted with `keytool -importkeystore`. Returns the store's bytes.
 */
export async function buildStore(config: KeystoreConfig, material: DeployMaterial, ctx: TargetContext): Promise<Buffer> {
  storePassword(config);
  await refuseUnreadablePrevious(config);
  const staging = await stagingDir(ctx, 'keystore');
  try {
    const certFile = join(staging, 'cert.pem');
    const keyFile = join(staging, 'key.pem');
    const p12 = join(staging, 'store.p12');
    await writeFile(certFile, `${material.certificatePem.trim()}\n${material.chainPem.trim()}\n`, { mode: 0o600 });
    await writeFile(keyFile, material.privateKeyPem, { mode: 0o600 });
    const envPass = `env:${config.password_env}`;
    await runStep('deploy', 'openssl pkcs12 -export', config.openssl_binary, [
      'pkcs12',
      '-export',
      '-in',
      certFile,
      '-inkey',
      keyFile,
      '-name',
      config.alias,
      '-passout',
      envPass,
      '-out',
      p12,
    ]);
    if (config.format === 'pkcs12') return await readFile(p12);
    const jks = join(staging, 'store.jks');
    await runStep('deploy', 'keytool -importkeystore', config.keytool_binary, [
      '-importkeystore',
      '-noprompt',
      '-srckeystore',
      p12,
      '-srcstoretype',
      'PKCS12',
      '-srcstorepass:env',
      config.password_env,
      '-srcalias',
      config.alias,
      ...['-destkeystore', jks, '-deststoretype', 'JKS', '-deststorepass:env', config.password_env],
      ...['-destkeypass:env', config.password_env, '-destalias', config.alias],
    ]);
    return await readFile(jks);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The application opens the store with the same password: when the current store does not
 * open with it, replacing the store would leave the application with one it cannot read.
 */
async function refuseUnreadablePrevious(config: KeystoreConfig): Promise<void> {
  const present = await stat(config.path).then(
    () => true,
    () => false,
  );
  if (!present) return;
  try {
    await runStep('deploy', 'keytool -list', config.keytool_binary, ['-list', ...storeArgs(config)]);
  } catch (err) {
    const output = err instanceof TargetError ? err.output : (err as Error).message;
    throw new TargetError(
      'deploy',
      `the current keystore ${config.path} does not open with the password in ${config.password_env}; not replacing it`,
      output,
    );
  }
}
