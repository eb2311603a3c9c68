import { installFiles, restorePrevious, runStep } from '../connector-support';
import { type TargetConnector, TargetError, type VerifyResult } from '../target';
import { verifyServed } from '../tls-probe';
import { buildStore } from './build-store';
import { type KeystoreConfig, keystoreConfigSchema, storeArgs } from './config';

/**
 * A Java keystore (PKCS#12 or JKS) read by an application (Tomcat, Jetty, Kafka...): the new
 * store replaces the old one atomically (the previous one kept for rollback), `keytool -list -v`
 * must show the alias as a key entry holding the new leaf, then the optional reload command
 * and TLS check.
 */

/** The SHA-256 fingerprint of the first certificate keytool lists for the alias (the leaf). */
async function storedFingerprint(config: KeystoreConfig): Promise<string> {
  const listing = await runStep('validate', 'keytool -list -v', config.keytool_binary, [
    '-list',
    '-v',
    ...storeArgs(config),
    '-alias',
    config.alias,
  ]);
  if (!/Entry type:\s*PrivateKeyEntry/i.test(listing))
    throw new TargetError('validate', `alias ${config.alias} in ${config.path} is not a private key entry`, listing);
  const match = /SHA256:\s*([0-9A-F:]{95})/i.exec(listing);
  if (!match) throw new TargetError('validate', `keytool shows no SHA-256 fingerprint for alias ${config.alias}`, listing);
  return match[1].replaceAll(':', '').toLowerCase();
}

/** The store must hold the deployed leaf; with `verify`, the application must also serve it. */
async function verifyKeystore(config: KeystoreConfig, expected: string): Promise<VerifyResult> {
  const stored = await storedFingerprint(config);
  const address = `${config.path}#${config.alias}`;
  if (stored !== expected.toLowerCase())
    return {
      ok: false,
      servedFingerprint: stored,
      address,
      verifiedAt: new Date().toISOString(),
      error: `${address} holds ${stored}, not the deployed ${expected}`,
    };
  if (config.verify) return verifyServed(config.verify, expected);
  return { ok: true, servedFingerprint: stored, address, verifiedAt: new Date().toISOString() };
}

export const keystoreConnector: TargetConnector<KeystoreConfig> = {
  type: 'keystore',
  configSchema: keystoreConfigSchema,
  deploy: async (config, material, ctx) => {
    const store = await buildStore(config, material, ctx);
    return installFiles([{ path: config.path, content: store, mode: 0o600 }], ctx);
  },
  validate: async (config) => {
    await storedFingerprint(config);
  },
  reload: async (config) => {
    if (!config.reload_command) return;
    const [program, ...args] = config.reload_command;
    await runStep('reload', `reload command ${program}`, program, args);
  },
  verify: (config, material) => verifyKeystore(config, material.fingerprintSha256),
  rollback: restorePrevious,
};
