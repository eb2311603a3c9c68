import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMailTestCa,
  mailFixturePort,
  quietTargetLog,
  type ReloadableTlsServer,
  removeTempDir,
  servedFingerprint,
  mailServerTempDir,
  type SshdFixture,
  sshTargetConfig,
  startReloadableTlsServer,
  startSshd,
  type MailTestCa,
  type MailTestLeaf,
} from '@certctl/testing';
import { runDeployment } from '../deploy-flow';
import { sshConnector } from './index';

describe('ssh target (agentless upload with sftp) against an OpenSSH server on loopback', () => {
  let workDir: string;
  let remoteDir: string;
  let ca: MailTestCa;
  let v1: MailTestLeaf;
  let v2: MailTestLeaf;
  let sshd: SshdFixture;
  let server: ReloadableTlsServer;
  const fullChain = (leaf: MailTestLeaf) => `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`;

  beforeAll(async () => {
    workDir = mailServerTempDir('ssh-spec');
    ca = createMailTestCa(workDir);
    v1 = ca.issueLeaf('v1');
    v2 = ca.issueLeaf('v2');
    sshd = await startSshd({ port: mailFixturePort(3) });
    remoteDir = join(sshd.dir, 'remote', 'tls');
    mkdirSync(remoteDir, { recursive: true });
    writeFileSync(join(remoteDir, 'server.pem'), fullChain(v1), { mode: 0o644 });
    writeFileSync(join(remoteDir, 'server.key'), v1.privateKeyPem, { mode: 0o600 });
    server = await startReloadableTlsServer({
      dir: join(sshd.dir, 'remote'),
      port: mailFixturePort(4),
      cert: join(remoteDir, 'server.pem'),
      key: join(remoteDir, 'server.key'),
    });
  });

  afterAll(async () => {
    await server?.stop();
    await sshd?.stop();
    if (workDir) removeTempDir(workDir);
  });

  const targetConfig = (extra: Record<string, unknown> = {}) => ({ ...sshTargetConfig(sshd, remoteDir, server), ...extra });
  const context = () => ({ log: quietTargetLog, stateDir: join(workDir, 'agent-state') });

  it('the remote server serves leaf v1 before any deployment', () => {
    expect(servedFingerprint(server.port)).toBe(v1.fingerprintSha256);
  });

  it('uploads v2 (key 0600), keeps the previous files, runs the remote test and reload, and the server serves v2', async () => {
    const outcome = await runDeployment(sshConnector, targetConfig(), v2, context());

    expect(outcome).toMatchObject({ ok: true, rolledBack: false, files: [join(remoteDir, 'server.pem'), join(remoteDir, 'server.key')] });
    expect(outcome.verification).toMatchObject({ ok: true, servedFingerprint: v2.fingerprintSha256 });
    expect(servedFingerprint(server.port)).toBe(v2.fingerprintSha256);
    expect(readFileSync(join(remoteDir, 'server.pem'), 'utf8')).toBe(fullChain(v2));
    expect(readFileSync(join(remoteDir, 'server.key'), 'utf8')).toBe(v2.privateKeyPem);
    expect(statSync(join(remoteDir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(remoteDir, 'server.pem')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(remoteDir, 'server.key.certctl-prev'), 'utf8')).toBe(v1.privateKeyPem);
  });

  it('without a TLS endpoint, verifies the certificate file now on the remote host', async () => {
    const outcome = await runDeployment(sshConnector, targetConfig({ verify: undefined, chain_file: 'chain.pem' }), v2, context());

    expect(outcome).toMatchObject({ ok: true, verification: { ok: true, servedFingerprint: v2.fingerprintSha256 } });
    expect(outcome.verification!.address).toBe(`sftp://root@127.0.0.1:${sshd.port}${remoteDir}/server.pem`);
    expect(readFileSync(join(remoteDir, 'server.pem'), 'utf8')).toBe(`${v2.certificatePem.trim()}\n`);
    expect(readFileSync(join(remoteDir, 'chain.pem'), 'utf8')).toBe(`${v2.chainPem.trim()}\n`);
    await runDeployment(sshConnector, targetConfig(), v2, context()); // back to a full chain in server.pem
  });

  it('an unknown host key is refused (strict host key checking) before anything is uploaded', async () => {
    const emptyKnownHosts = join(workDir, 'empty_known_hosts');
    writeFileSync(emptyKnownHosts, '');

    const unknown = await runDeployment(
      sshConnector,
      targetConfig({ known_hosts_file: emptyKnownHosts }),
      ca.issueLeaf('v-unknown'),
      context(),
    );
    const changed = await runDeployment(
      sshConnector,
      targetConfig({ known_hosts_file: sshd.wrongKnownHostsFile }),
      ca.issueLeaf('v-changed'),
      context(),
    );

    for (const outcome of [unknown, changed]) {
      expect(outcome).toMatchObject({ ok: false, failedStep: 'deploy', rolledBack: false, files: [] });
      expect(outcome.error).toContain(`the host key of 127.0.0.1:${sshd.port} is not the one in known_hosts_file`);
      expect(outcome.error).toContain('Host key verification failed');
    }
    expect(readFileSync(join(remoteDir, 'server.pem'), 'utf8')).toBe(fullChain(v2));
  });

  it('a broken server configuration fails the remote test with its own words, renames the previous files back, v2 still served', async () => {
    server.breakConfig();

    const outcome = await runDeployment(sshConnector, targetConfig(), ca.issueLeaf('v3'), context());

    expect(outcome).toMatchObject({ ok: false, failedStep: 'validate', rolledBack: true });
    expect(outcome.error).toContain('the remote test command on 127.0.0.1');
    expect(outcome.error).toContain(`tls-server: ${server.configFile}`);
    expect(readFileSync(join(remoteDir, 'server.pem'), 'utf8')).toBe(fullChain(v2));
    expect(readFileSync(join(remoteDir, 'server.key'), 'utf8')).toBe(v2.privateKeyPem);
    expect(statSync(join(remoteDir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(servedFingerprint(server.port)).toBe(v2.fingerprintSha256);
  });
});
