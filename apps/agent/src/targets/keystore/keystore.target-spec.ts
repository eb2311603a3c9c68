import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMailTestCa,
  mailFixturePort,
  quietTargetLog,
  type ReloadableTlsServer,
  removeTempDir,
  mailServerTempDir,
  startReloadableTlsServer,
  type MailTestCa,
} from '@certctl/testing';
import { runDeployment } from '../deploy-flow';
import { keystoreConnector } from './index';

const PASSWORD_ENV = 'CERTCTL_TEST_KEYSTORE_PASSWORD';

/** The test's own `keytool -list -v`: the SHA-256 of the alias's leaf, lowercase hex. */
function keytoolFingerprint(path: string, storeType: 'PKCS12' | 'JKS', alias = 'tomcat'): string {
  const listing = execFileSync(
    'keytool',
    ['-list', '-v', '-keystore', path, '-storetype', storeType, '-storepass:env', PASSWORD_ENV, '-alias', alias],
    { encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  expect(listing).toMatch(/Entry type: PrivateKeyEntry/);
  return /SHA256:\s*([0-9A-F:]+)/.exec(listing)![1].replaceAll(':', '').toLowerCase();
}

describe('keystore target with keytool (PKCS#12 and JKS)', () => {
  let workDir: string;
  let ca: MailTestCa;
  const context = () => ({ log: quietTargetLog, stateDir: join(workDir, 'agent-state') });

  beforeAll(() => {
    workDir = mailServerTempDir('keystore-spec');
    ca = createMailTestCa(workDir);
    process.env[PASSWORD_ENV] = 'changeit-for-tests';
  });

  afterAll(() => {
    delete process.env[PASSWORD_ENV];
    if (workDir) removeTempDir(workDir);
  });

  const targetConfig = (path: string, format: 'pkcs12' | 'jks', extra: Record<string, unknown> = {}) => ({
    path,
    format,
    alias: 'tomcat',
    password_env: PASSWORD_ENV,
    ...extra,
  });

  it('installs a PKCS#12 store, then replaces it: keytool -list shows the new fingerprint, the previous store is kept', async () => {
    const path = join(workDir, 'tomcat.p12');
    const v1 = ca.issueLeaf('p12-v1');
    const v2 = ca.issueLeaf('p12-v2');

    const first = await runDeployment(keystoreConnector, targetConfig(path, 'pkcs12'), v1, context());
    expect(first).toMatchObject({ ok: true, files: [path] });
    expect(keytoolFingerprint(path, 'PKCS12')).toBe(v1.fingerprintSha256);

    const second = await runDeployment(keystoreConnector, targetConfig(path, 'pkcs12'), v2, context());
    expect(second).toMatchObject({ ok: true, verification: { ok: true, servedFingerprint: v2.fingerprintSha256 } });
    expect(keytoolFingerprint(path, 'PKCS12')).toBe(v2.fingerprintSha256);
    expect(keytoolFingerprint(`${path}.certctl-prev`, 'PKCS12')).toBe(v1.fingerprintSha256);
  });

  it('installs a JKS store converted with keytool -importkeystore, holding the chain', async () => {
    const path = join(workDir, 'kafka.jks');
    const leaf = ca.issueLeaf('jks-v1');

    const outcome = await runDeployment(keystoreConnector, targetConfig(path, 'jks'), leaf, context());

    expect(outcome).toMatchObject({ ok: true, files: [path] });
    expect(keytoolFingerprint(path, 'JKS')).toBe(leaf.fingerprintSha256);
    const listing = execFileSync('keytool', ['-list', '-v', '-keystore', path, '-storetype', 'JKS', '-storepass:env', PASSWORD_ENV], {
      encoding: 'utf8',
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(listing).toContain('Certificate chain length: 2');
  });

  it('an unset password variable fails with a clear error naming it, and nothing is written', async () => {
    const path = join(workDir, 'unset.p12');

    const outcome = await runDeployment(
      keystoreConnector,
      targetConfig(path, 'pkcs12', { password_env: 'CERTCTL_TEST_NOT_SET' }),
      ca.issueLeaf('unset'),
      context(),
    );

    expect(outcome).toMatchObject({ ok: false, failedStep: 'config', rolledBack: false });
    expect(outcome.error).toBe("the keystore password variable CERTCTL_TEST_NOT_SET (password_env) is not set in the agent's environment");
    expect(existsSync(path)).toBe(false);
  });

  it('a password that does not open the current store is refused before replacing it (keytool own words)', async () => {
    const path = join(workDir, 'wrong.p12');
    const v1 = ca.issueLeaf('wrong-v1');
    await runDeployment(keystoreConnector, targetConfig(path, 'pkcs12'), v1, context());
    const before = readFileSync(path);
    process.env.CERTCTL_TEST_OTHER_PASSWORD = 'not-the-store-password';

    const outcome = await runDeployment(
      keystoreConnector,
      targetConfig(path, 'pkcs12', { password_env: 'CERTCTL_TEST_OTHER_PASSWORD' }),
      ca.issueLeaf('wrong-v2'),
      context(),
    );
    delete process.env.CERTCTL_TEST_OTHER_PASSWORD;

    expect(outcome).toMatchObject({ ok: false, failedStep: 'deploy', rolledBack: false });
    expect(outcome.error).toContain(`the current keystore ${path} does not open with the password in CERTCTL_TEST_OTHER_PASSWORD`);
    expect(outcome.error).toMatch(/keystore password was incorrect/i);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  describe('with an application that keeps serving the old certificate', () => {
    let app: ReloadableTlsServer;
    let appDir: string;
    const path = () => join(workDir, 'app.p12');

    beforeAll(async () => {
      appDir = mailServerTempDir('keystore-app');
      const v1 = ca.issueLeaf('app-v1');
      writeFileSync(join(appDir, 'cert.pem'), v1.certificatePem);
      writeFileSync(join(appDir, 'key.pem'), v1.privateKeyPem);
      await runDeployment(keystoreConnector, targetConfig(path(), 'pkcs12'), v1, context());
      copyFileSync(path(), join(appDir, 'v1.p12'));
      app = await startReloadableTlsServer({
        dir: appDir,
        port: mailFixturePort(5),
        cert: join(appDir, 'cert.pem'),
        key: join(appDir, 'key.pem'),
      });
    });

    afterAll(async () => {
      await app?.stop();
      if (appDir) removeTempDir(appDir);
    });

    it('a failed verification restores the previous store', async () => {
      const config = targetConfig(path(), 'pkcs12', {
        reload_command: ['/bin/true'],
        verify: { host: '127.0.0.1', port: app.port },
      });

      const outcome = await runDeployment(keystoreConnector, config, ca.issueLeaf('app-v2'), context());

      expect(outcome).toMatchObject({ ok: false, failedStep: 'verify', rolledBack: true });
      expect(outcome.error).toContain('not the deployed');
      expect(readFileSync(path()).equals(readFileSync(join(appDir, 'v1.p12')))).toBe(true);
      expect(spawnSync('keytool', ['-list', '-keystore', path(), '-storepass:env', PASSWORD_ENV], { env: process.env }).status).toBe(0);
    });
  });
});
