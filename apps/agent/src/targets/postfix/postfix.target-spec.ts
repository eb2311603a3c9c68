import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMailTestCa,
  mailFixturePort,
  type PostfixFixture,
  quietTargetLog,
  removeTempDir,
  servedFingerprint,
  mailServerTempDir,
  startPostfix,
  type MailTestCa,
  type MailTestLeaf,
} from '@certctl/testing';
import { runDeployment } from '../deploy-flow';
import { postfixConnector } from './index';

describe('postfix target against a private Postfix instance', () => {
  let workDir: string;
  let ca: MailTestCa;
  let v1: MailTestLeaf;
  let v2: MailTestLeaf;
  let postfix: PostfixFixture;

  beforeAll(async () => {
    workDir = mailServerTempDir('postfix-spec');
    ca = createMailTestCa(workDir);
    v1 = ca.issueLeaf('v1');
    v2 = ca.issueLeaf('v2');
    postfix = await startPostfix({ port: mailFixturePort(0), leaf: v1 });
  });

  afterAll(async () => {
    await postfix?.stop();
    if (workDir) removeTempDir(workDir);
  });

  const targetConfig = () => ({
    cert_path: postfix.certPath,
    key_path: postfix.keyPath,
    config_dir: postfix.configDir,
    verify: { host: '127.0.0.1', port: postfix.port, starttls: 'smtp' },
  });
  const context = () => ({ log: quietTargetLog, stateDir: join(workDir, 'agent-state') });

  it('serves leaf v1 over SMTP STARTTLS before any deployment', () => {
    expect(servedFingerprint(postfix.port, 'smtp')).toBe(v1.fingerprintSha256);
  });

  it('deploys v2: postfix check, postfix reload, STARTTLS verification, and the server serves v2', async () => {
    const outcome = await runDeployment(postfixConnector, targetConfig(), v2, context());

    expect(outcome).toMatchObject({ ok: true, rolledBack: false, files: [postfix.certPath, postfix.keyPath] });
    expect(outcome.verification).toMatchObject({ ok: true, servedFingerprint: v2.fingerprintSha256, address: `127.0.0.1:${postfix.port}` });
    expect(servedFingerprint(postfix.port, 'smtp')).toBe(v2.fingerprintSha256);
    expect(readFileSync(postfix.certPath, 'utf8')).toBe(`${v2.certificatePem.trim()}\n${v2.chainPem.trim()}\n`);
    expect(readFileSync(postfix.keyPath, 'utf8')).toBe(v2.privateKeyPem);
  });

  it('a broken main.cf fails the deployment with postfix own words, rolls back, and v2 is still served and on disk', async () => {
    const v3 = ca.issueLeaf('v3');
    postfix.breakConfig();

    const outcome = await runDeployment(postfixConnector, targetConfig(), v3, context());

    expect(outcome).toMatchObject({ ok: false, failedStep: 'validate', rolledBack: true });
    expect(outcome.error).toContain('postfix check failed');
    expect(outcome.error).toContain("missing '=' after attribute name");
    expect(readFileSync(postfix.certPath, 'utf8')).toBe(`${v2.certificatePem.trim()}\n${v2.chainPem.trim()}\n`);
    expect(readFileSync(postfix.keyPath, 'utf8')).toBe(v2.privateKeyPem);
    expect(servedFingerprint(postfix.port, 'smtp')).toBe(v2.fingerprintSha256);
  });
});
