import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMailTestCa,
  type DovecotFixture,
  mailFixturePort,
  quietTargetLog,
  removeTempDir,
  servedFingerprint,
  mailServerTempDir,
  startDovecot,
  type MailTestCa,
  type MailTestLeaf,
} from '@certctl/testing';
import { runDeployment } from '../deploy-flow';
import { dovecotConnector } from './index';

describe('dovecot target against a Dovecot on loopback ports', () => {
  let workDir: string;
  let ca: MailTestCa;
  let v1: MailTestLeaf;
  let v3: MailTestLeaf;
  let dovecot: DovecotFixture;

  beforeAll(async () => {
    workDir = mailServerTempDir('dovecot-spec');
    ca = createMailTestCa(workDir);
    v1 = ca.issueLeaf('v1');
    dovecot = await startDovecot({ imapPort: mailFixturePort(1), imapsPort: mailFixturePort(2), leaf: v1 });
  });

  afterAll(async () => {
    await dovecot?.stop();
    if (workDir) removeTempDir(workDir);
  });

  const targetConfig = (extra: Record<string, unknown> = {}) => ({
    cert_path: dovecot.certPath,
    key_path: dovecot.keyPath,
    config_file: dovecot.configFile,
    verify: { host: '127.0.0.1', port: dovecot.imapPort, starttls: 'imap' },
    ...extra,
  });
  const context = () => ({ log: quietTargetLog, stateDir: join(workDir, 'agent-state') });
  const certFile = (leaf: MailTestLeaf) => `${leaf.certificatePem.trim()}\n${leaf.chainPem.trim()}\n`;

  it('serves leaf v1 on IMAP STARTTLS and on IMAPS before any deployment', () => {
    expect(servedFingerprint(dovecot.imapPort, 'imap')).toBe(v1.fingerprintSha256);
    expect(servedFingerprint(dovecot.imapsPort)).toBe(v1.fingerprintSha256);
  });

  it('deploys v2 with doveconf -n and doveadm reload: IMAP STARTTLS and IMAPS serve v2', async () => {
    const v2 = ca.issueLeaf('v2');

    const outcome = await runDeployment(dovecotConnector, targetConfig(), v2, context());

    expect(outcome).toMatchObject({ ok: true, rolledBack: false, files: [dovecot.certPath, dovecot.keyPath] });
    expect(outcome.verification).toMatchObject({ ok: true, servedFingerprint: v2.fingerprintSha256 });
    expect(servedFingerprint(dovecot.imapPort, 'imap')).toBe(v2.fingerprintSha256);
    expect(servedFingerprint(dovecot.imapsPort)).toBe(v2.fingerprintSha256);
    expect(readFileSync(dovecot.certPath, 'utf8')).toBe(certFile(v2));
  });

  it('reloads by SIGHUP to the master and verifies on the implicit-TLS port', async () => {
    v3 = ca.issueLeaf('v3');
    const config = targetConfig({ reload: 'sighup', verify: { host: '127.0.0.1', port: dovecot.imapsPort, starttls: null } });

    const outcome = await runDeployment(dovecotConnector, config, v3, context());

    expect(outcome).toMatchObject({ ok: true, verification: { servedFingerprint: v3.fingerprintSha256 } });
    expect(servedFingerprint(dovecot.imapPort, 'imap')).toBe(v3.fingerprintSha256);
  });

  it('a broken dovecot.conf fails with doveconf own words, rolls back, and v3 is still served and on disk', async () => {
    dovecot.breakConfig();

    const outcome = await runDeployment(dovecotConnector, targetConfig(), ca.issueLeaf('v4'), context());

    expect(outcome).toMatchObject({ ok: false, failedStep: 'validate', rolledBack: true });
    expect(outcome.error).toContain('doveconf -n failed');
    expect(outcome.error).toContain('Unknown setting: ssl_certificate_that_does_not_exist');
    expect(readFileSync(dovecot.certPath, 'utf8')).toBe(certFile(v3));
    expect(readFileSync(dovecot.keyPath, 'utf8')).toBe(v3.privateKeyPem);
    expect(servedFingerprint(dovecot.imapPort, 'imap')).toBe(v3.fingerprintSha256);
  });
});
