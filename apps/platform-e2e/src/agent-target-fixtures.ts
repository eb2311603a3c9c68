// Test-only: each agent target type's real server (libs/testing fixtures) started with a leaf of
// the fixture's own test CA, answering what agent-targets.e2e-spec.ts needs from it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
  startSshd,
} from '@certctl/testing';

export interface AgentTargetFixture {
  targetConfig: Record<string, unknown>;
  /** Extra environment of the agent process (a keystore password). */
  agentEnv?: Record<string, string>;
  /** The fingerprint (SHA-256, lowercase hex) the server serves, by the test's own handshake (keystore: keytool -list). */
  served(): Promise<string>;
  /** A TLS port a handshake loop can hammer during a renewal (web servers). */
  loopPort?: number;
  /** Breaks the server's own configuration; answers the target config to PATCH when the break is in it. */
  breakIt(): Promise<Record<string, unknown> | undefined>;
  /** The server's own words when its configuration is broken. */
  serverError: RegExp;
  stop(): Promise<void>;
}

export interface AgentTargetCase {
  type: 'nginx' | 'apache' | 'haproxy' | 'caddy' | 'postfix' | 'dovecot' | 'keystore' | 'ssh';
  start(): Promise<AgentTargetFixture>;
}

const fullChain = (leaf: MailTestLeaf) => `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`;

function webServer(type: AgentTargetCase['type'], start: typeof startNginx, serverError: RegExp): AgentTargetCase {
  return {
    type,
    start: async () => {
      const ca = createTestCa();
      const leaf = ca.leaf('initial');
      let server: TargetServer;
      try {
        server = await start({ certPem: `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`, keyPem: leaf.privateKeyPem });
      } finally {
        ca.remove();
      }
      return {
        targetConfig: server.targetConfig,
        served: () => handshakeFingerprint(server.port),
        loopPort: server.port,
        breakIt: async () => {
          server.breakConfig();
          return undefined;
        },
        serverError,
        stop: () => server.stop(),
      };
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

const postfixCase: AgentTargetCase = {
  type: 'postfix',
  start: async () => {
    const { leaf, ports, remove } = await mailMaterial('postfix', 1);
    const postfix = await startPostfix({ port: ports[0], leaf });
    return {
      targetConfig: {
        cert_path: postfix.certPath,
        key_path: postfix.keyPath,
        config_dir: postfix.configDir,
        verify: { host: '127.0.0.1', port: postfix.port, starttls: 'smtp' },
      },
      served: async () => servedFingerprint(postfix.port, 'smtp'),
      breakIt: async () => {
        postfix.breakConfig();
        return undefined;
      },
      serverError: /missing '=' after attribute name/,
      stop: async () => {
        await postfix.stop();
        remove();
      },
    };
  },
};

const dovecotCase: AgentTargetCase = {
  type: 'dovecot',
  start: async () => {
    const { leaf, ports, remove } = await mailMaterial('dovecot', 2);
    const dovecot = await startDovecot({ imapPort: ports[0], imapsPort: ports[1], leaf });
    return {
      targetConfig: {
        cert_path: dovecot.certPath,
        key_path: dovecot.keyPath,
        config_file: dovecot.configFile,
        verify: { host: '127.0.0.1', port: dovecot.imapPort, starttls: 'imap' },
      },
      served: async () => servedFingerprint(dovecot.imapPort, 'imap'),
      breakIt: async () => {
        dovecot.breakConfig();
        return undefined;
      },
      serverError: /Unknown setting: ssl_certificate_that_does_not_exist/,
      stop: async () => {
        await dovecot.stop();
        remove();
      },
    };
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
    execFileSync(
      'openssl',
      ['pkcs12', '-export', '-in', join(dir, 'leaf.pem'), '-certfile', join(dir, 'chain.pem'), '-inkey', join(dir, 'leaf.key')].concat([
        '-name',
        'tomcat',
        '-passout',
        `env:${KEYSTORE_PASSWORD_ENV}`,
        '-out',
        path,
      ]),
      { env: { ...process.env, [KEYSTORE_PASSWORD_ENV]: KEYSTORE_PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const targetConfig = { path, format: 'pkcs12', alias: 'tomcat', password_env: KEYSTORE_PASSWORD_ENV };
    let app: Awaited<ReturnType<typeof startReloadableTlsServer>> | undefined;
    return {
      targetConfig,
      agentEnv: { [KEYSTORE_PASSWORD_ENV]: KEYSTORE_PASSWORD },
      served: async () => keytoolFingerprint(path),
      breakIt: async () => {
        app = await startReloadableTlsServer({ dir, port: ports[0], cert: join(dir, 'leaf.pem'), key: join(dir, 'leaf.key') });
        return { ...targetConfig, verify: { host: '127.0.0.1', port: app.port } };
      },
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
    execFileSync('mkdir', ['-p', remoteDir]);
    writeFileSync(join(remoteDir, 'server.pem'), fullChain(leaf), { mode: 0o644 });
    writeFileSync(join(remoteDir, 'server.key'), leaf.privateKeyPem, { mode: 0o600 });
    const server = await startReloadableTlsServer({
      dir: remoteDir,
      port: ports[1],
      cert: join(remoteDir, 'server.pem'),
      key: join(remoteDir, 'server.key'),
    });
    return {
      targetConfig: {
        host: '127.0.0.1',
        port: sshd.port,
        user: sshd.user,
        identity_file: sshd.identityFile,
        known_hosts_file: sshd.knownHostsFile,
        remote_dir: remoteDir,
        cert_file: 'server.pem',
        key_file: 'server.key',
        test_command: server.testCommand,
        reload_command: server.reloadCommand,
        verify: { host: '127.0.0.1', port: server.port },
      },
      served: async () => servedFingerprint(server.port),
      breakIt: async () => {
        server.breakConfig();
        return undefined;
      },
      serverError: new RegExp(`tls-server: ${server.configFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      stop: async () => {
        await server.stop();
        await sshd.stop();
        remove();
      },
    };
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
