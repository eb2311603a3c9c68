// Test-only: each agent target type's real server (libs/testing fixtures) started with a leaf of
// the fixture's own test CA, answering what agent-targets.e2e-spec.ts needs from it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type MailTestLeaf,
  type TargetServer,
  createMailTestCa,
  createTestCa,
  handshakeFingerprint,
  mailServerTempDir,
  releasePorts,
  removeTempDir,
  reservePort,
  servedFingerprint,
  startApache,
  startCaddy,
  startDovecot,
  startHaproxy,
  startNginx,
  startPostfix,
  startReloadableTlsServer,
  sshTargetConfig,
  startSshd,
} from '@certctl/testing';

export interface AgentTargetFixture {
  targetConfig: Record<string, unknown>;
  /** Extra environment of the agent process (a keystore password). */
  agentEnv?: Record<string, string>;
  /** The fingerprint (SHA-256, lowercase hex) the server serves, by the test's own handshake (keystore: keytool -list). */
  served(): Promise<string>;
  /** The port a handshake loop hammers during a renewal (every server type but the keystore, which serves nothing). */
  loopPort?: number;
  /** The loop's handshakes start with STARTTLS on the mail servers' plain ports. */
  loopStarttls?: 'smtp' | 'imap';
  /** A port serving TLS from the first byte, for the platform's network scan (which does no STARTTLS). */
  scanPort?: number;
  /** Breaks the server's own configuration; answers the target config to PATCH when the break is in it. */
  breakIt(): Promise<Record<string, unknown> | undefined>;
  /** The server's own words when its configuration is broken. */
  serverError: RegExp;
  /** The deployment step that fails then (`result.failed_step`). */
  failedStep: 'validate' | 'verify';
  stop(): Promise<void>;
}

export interface AgentTargetCase {
  type: 'nginx' | 'apache' | 'haproxy' | 'caddy' | 'postfix' | 'dovecot' | 'keystore' | 'ssh';
  start(): Promise<AgentTargetFixture>;
}

const fullChain = (leaf: { certificatePem: string; chainPem: string }) => `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`;

/** A fixture whose break is the server's own breakConfig() (its configuration test then fails); `cleanup` runs after stop. */
function brokenByServer(
  server: { breakConfig(): void; stop(): Promise<void> },
  parts: Pick<AgentTargetFixture, 'targetConfig' | 'served' | 'loopPort' | 'loopStarttls' | 'scanPort' | 'serverError'> & {
    cleanup?: () => void;
  },
): AgentTargetFixture {
  const { cleanup, ...rest } = parts;
  return {
    ...rest,
    failedStep: 'validate',
    breakIt: async () => {
      server.breakConfig();
      return undefined;
    },
    stop: async () => {
      await server.stop();
      cleanup?.();
    },
  };
}

function webServer(type: AgentTargetCase['type'], start: typeof startNginx, serverError: RegExp): AgentTargetCase {
  return {
    type,
    start: async () => {
      const ca = createTestCa();
      const leaf = ca.leaf('initial');
      let server: TargetServer;
      try {
        server = await start({ certPem: fullChain(leaf), keyPem: leaf.privateKeyPem });
      } finally {
        ca.remove();
      }
      return brokenByServer(server, {
        targetConfig: server.targetConfig,
        served: () => handshakeFingerprint(server.port),
        loopPort: server.port,
        // Caddy answers only the names it serves (SNI); a scan of a bare address sends none.
        scanPort: type === 'caddy' ? undefined : server.port,
        serverError,
      });
    },
  };
}

/**
 * A temp dir with the mail fixtures' test CA and its first leaf, and `portCount` loopback ports
 * checked free now (reservePort) rather than fixed slots: on a busy machine a fixed port in the
 * ephemeral range can be held by some process's outgoing connection.
 */
async function mailMaterial(
  kind: string,
  portCount: number,
): Promise<{ dir: string; leaf: MailTestLeaf; ports: number[]; remove(): void }> {
  const dir = mailServerTempDir(`e2e-${kind}`);
  const ports: number[] = [];
  for (let index = 0; index < portCount; index++) ports.push(await reservePort());
  const remove = () => {
    releasePorts(ports);
    removeTempDir(dir);
  };
  return { dir, leaf: createMailTestCa(dir).issueLeaf('initial'), ports, remove };
}

/** A mail server fixture: its certificate files, its instance option, a STARTTLS check on `port`. */
function mailServer(
  server: { certPath: string; keyPath: string; breakConfig(): void; stop(): Promise<void> },
  options: {
    instance: Record<string, string>;
    port: number;
    starttls: 'smtp' | 'imap';
    scanPort?: number;
    serverError: RegExp;
    cleanup(): void;
  },
): AgentTargetFixture {
  const { instance, port, starttls, scanPort, serverError, cleanup } = options;
  return brokenByServer(server, {
    targetConfig: { cert_path: server.certPath, key_path: server.keyPath, ...instance, verify: { host: '127.0.0.1', port, starttls } },
    served: async () => servedFingerprint(port, starttls),
    // The test's STARTTLS handshakes keep going while the server reloads on a renewal.
    loopPort: port,
    loopStarttls: starttls,
    scanPort,
    serverError,
    cleanup,
  });
}

const postfixCase: AgentTargetCase = {
  type: 'postfix',
  start: async () => {
    const { leaf, ports, remove } = await mailMaterial('postfix', 1);
    const postfix = await startPostfix({ port: ports[0], leaf });
    const serverError = /missing '=' after attribute name/;
    return mailServer(postfix, {
      instance: { config_dir: postfix.configDir },
      port: postfix.port,
      starttls: 'smtp',
      serverError,
      cleanup: remove,
    });
  },
};

const dovecotCase: AgentTargetCase = {
  type: 'dovecot',
  start: async () => {
    const { leaf, ports, remove } = await mailMaterial('dovecot', 2);
    const dovecot = await startDovecot({ imapPort: ports[0], imapsPort: ports[1], leaf });
    const serverError = /Unknown setting: ssl_certificate_that_does_not_exist/;
    const instance = { config_file: dovecot.configFile };
    return mailServer(dovecot, {
      instance,
      port: dovecot.imapPort,
      starttls: 'imap',
      scanPort: dovecot.imapsPort,
      serverError,
      cleanup: remove,
    });
  },
};

const KEYSTORE_PASSWORD_ENV = 'CERTCTL_E2E_KEYSTORE_PASSWORD';
const KEYSTORE_PASSWORD = 'changeit-for-e2e';

/** keytool -list -v of the alias: the SHA-256 of its leaf, lowercase hex. */
function keytoolFingerprint(path: string): string {
  const listing = execFileSync(
    'keytool',
    ['-list', '-v', '-keystore', path, '-storetype', 'PKCS12', '-storepass:env', KEYSTORE_PASSWORD_ENV, '-alias', 'tomcat'],
    { encoding: 'utf8', env: { ...process.env, [KEYSTORE_PASSWORD_ENV]: KEYSTORE_PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (!/Entry type: PrivateKeyEntry/.test(listing)) throw new Error(`alias tomcat of ${path} is not a private key entry`);
  return /SHA256:\s*([0-9A-F:]+)/.exec(listing)![1].replaceAll(':', '').toLowerCase();
}

/**
 * A PKCS#12 store first written by openssl with the fixture CA's leaf. Its break: the
 * application reading the store (a reloadable TLS server still serving the first leaf) is put
 * in the target's verify, so the deployed store is never what the application serves.
 */
const keystoreCase: AgentTargetCase = {
  type: 'keystore',
  start: async () => {
    const { dir, leaf, ports, remove } = await mailMaterial('keystore', 1);
    const path = join(dir, 'tomcat.p12');
    for (const [name, content] of [
      ['leaf.pem', leaf.certificatePem],
      ['chain.pem', leaf.chainPem],
      ['leaf.key', leaf.privateKeyPem],
    ])
      writeFileSync(join(dir, name), content, { mode: 0o600 });
    const [leafFile, chainFile, keyFile] = ['leaf.pem', 'chain.pem', 'leaf.key'].map((name) => join(dir, name));
    const exportArgs = ['pkcs12', '-export', '-in', leafFile, '-certfile', chainFile, '-inkey', keyFile, '-name', 'tomcat'];
    execFileSync('openssl', [...exportArgs, '-passout', `env:${KEYSTORE_PASSWORD_ENV}`, '-out', path], {
      env: { ...process.env, [KEYSTORE_PASSWORD_ENV]: KEYSTORE_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const targetConfig = { path, format: 'pkcs12', alias: 'tomcat', password_env: KEYSTORE_PASSWORD_ENV };
    let app: Awaited<ReturnType<typeof startReloadableTlsServer>> | undefined;
    return {
      targetConfig,
      agentEnv: { [KEYSTORE_PASSWORD_ENV]: KEYSTORE_PASSWORD },
      served: async () => keytoolFingerprint(path),
      breakIt: async () => {
        app = await startReloadableTlsServer({ dir, port: ports[0], cert: leafFile, key: keyFile });
        return { ...targetConfig, verify: { host: '127.0.0.1', port: app.port } };
      },
      failedStep: 'verify',
      serverError: new RegExp(`127\\.0\\.0\\.1:${ports[0]} serves [0-9a-f]{64}, not the deployed [0-9a-f]{64}`),
      stop: async () => {
        await app?.stop();
        remove();
      },
    };
  },
};

/** sshd on loopback and, on the "remote host", a reloadable TLS server reading the uploaded files. */
const sshCase: AgentTargetCase = {
  type: 'ssh',
  start: async () => {
    const { leaf, ports, remove } = await mailMaterial('ssh', 2);
    const sshd = await startSshd({ port: ports[0] });
    const remoteDir = join(sshd.dir, 'remote');
    mkdirSync(remoteDir, { recursive: true });
    writeFileSync(join(remoteDir, 'server.pem'), fullChain(leaf), { mode: 0o644 });
    writeFileSync(join(remoteDir, 'server.key'), leaf.privateKeyPem, { mode: 0o600 });
    const server = await startReloadableTlsServer({
      dir: remoteDir,
      port: ports[1],
      cert: join(remoteDir, 'server.pem'),
      key: join(remoteDir, 'server.key'),
    });
    const bothServers = {
      breakConfig: () => server.breakConfig(),
      stop: async () => {
        await server.stop();
        await sshd.stop();
      },
    };
    return brokenByServer(bothServers, {
      targetConfig: sshTargetConfig(sshd, remoteDir, server),
      served: async () => servedFingerprint(server.port),
      loopPort: server.port,
      scanPort: server.port,
      serverError: new RegExp(`tls-server: ${server.configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      cleanup: remove,
    });
  },
};

export const AGENT_TARGET_CASES: AgentTargetCase[] = [
  webServer('nginx', startNginx, /unknown directive "certctl_broken_directive"/),
  webServer('apache', startApache, /Invalid command 'CertctlBrokenDirective'/),
  webServer('haproxy', startHaproxy, /certctl-broken-keyword/),
  webServer('caddy', (material) => startCaddy(material, 'file'), /unrecognized directive: certctl_broken_directive/),
  postfixCase,
  dovecotCase,
  keystoreCase,
  sshCase,
];
