import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, ListTagsForCertificateCommand } from '@aws-sdk/client-acm';
import { type MotoServer, type TestLeaf, createTestCa, quietTargetLog, removeDir, startMoto } from '@certctl/testing';
import { runDeployment } from '../deploy-flow';
import type { DeployMaterial } from '../target';
import { awsAcmConnector } from './index';

/** AWS Certificate Manager as a deployment target, against moto in server mode (tools/aws/install-moto.sh). */

const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

function materialOf(leaf: TestLeaf, version: string, certificateId: string): DeployMaterial {
  return { jobId: `job-${version}`, certificateId, versionId: version, ...leaf };
}

/** The serial DescribeCertificate shows for a leaf: moto answers it in decimal (real ACM: hex byte pairs with colons). */
function serialOf(leaf: TestLeaf): string {
  return BigInt(`0x${new X509Certificate(leaf.certificatePem).serialNumber}`).toString(10);
}

describe('aws-acm target against moto', () => {
  let moto: MotoServer;
  let acm: ACMClient;
  let ca: ReturnType<typeof createTestCa>;
  let workDir: string;
  const saved: Record<string, string | undefined> = {};
  const context = (name: string) => ({ log: quietTargetLog, stateDir: join(workDir, name) });
  const targetConfig = (extra: Record<string, unknown> = {}) => ({
    region: moto.region,
    endpoint: moto.endpoint,
    tags: { team: 'platform', env: 'test' },
    ...extra,
  });

  beforeAll(async () => {
    moto = await startMoto();
    // The target uses the standard AWS credential chain: here, the environment.
    for (const name of CREDENTIAL_ENV) saved[name] = process.env[name];
    process.env.AWS_ACCESS_KEY_ID = moto.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = moto.credentials.secretAccessKey;
    acm = new ACMClient({ region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials });
    ca = createTestCa();
    workDir = mkdtempSync(join(tmpdir(), 'certctl-aws-acm-spec-'));
  });

  afterAll(async () => {
    for (const name of CREDENTIAL_ENV) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    acm?.destroy();
    ca?.remove();
    if (workDir) removeDir(workDir);
    await moto?.stop();
  });

  async function described(arn: string) {
    return (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate!;
  }

  async function tagsOf(arn: string) {
    const tags = (await acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn }))).Tags ?? [];
    return Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]));
  }

  it('ok/first deploy imports (serial and tags in ACM), renewal re-imports under the same ARN', async () => {
    const v1 = ca.leaf('acm-v1');
    const v2 = ca.leaf('acm-v2');

    const first = await runDeployment(awsAcmConnector, targetConfig(), materialOf(v1, 'v1', 'cert-acm-1'), context('t1'));
    expect(first).toMatchObject({ ok: true, verification: { ok: true, servedFingerprint: v1.fingerprintSha256 } });
    const arn = first.files[0]!;
    expect(arn).toMatch(/^arn:aws:acm:us-east-1:\d{12}:certificate\//);
    expect(await described(arn)).toMatchObject({ Serial: serialOf(v1), Status: 'ISSUED', Type: 'IMPORTED' });
    expect(await tagsOf(arn)).toEqual({ team: 'platform', env: 'test', 'certctl:certificate-id': 'cert-acm-1' });

    const second = await runDeployment(awsAcmConnector, targetConfig(), materialOf(v2, 'v2', 'cert-acm-1'), context('t1'));
    expect(second).toMatchObject({
      ok: true,
      files: [arn],
      verification: { ok: true, servedFingerprint: v2.fingerprintSha256, address: arn },
    });
    expect(await described(arn)).toMatchObject({ Serial: serialOf(v2), Status: 'ISSUED' });
    expect(await tagsOf(arn)).toEqual({ team: 'platform', env: 'test', 'certctl:certificate-id': 'cert-acm-1' });
  });

  it('ok/a target without state (a reinstalled agent) finds its certificate by the certctl tag and re-imports it', async () => {
    const first = await runDeployment(awsAcmConnector, targetConfig(), materialOf(ca.leaf('tag-v1'), 'v1', 'cert-acm-2'), context('t2'));
    expect(first.ok).toBe(true);
    const v2 = ca.leaf('tag-v2');
    const again = await runDeployment(awsAcmConnector, targetConfig(), materialOf(v2, 'v2', 'cert-acm-2'), context('t2-reinstalled'));
    expect(again).toMatchObject({ ok: true, files: first.files });
    expect(await described(first.files[0]!)).toMatchObject({ Serial: serialOf(v2) });
    const all = (await acm.send(new ListCertificatesCommand({}))).CertificateSummaryList ?? [];
    const mine = [];
    for (const summary of all) if ((await tagsOf(summary.CertificateArn!))['certctl:certificate-id'] === 'cert-acm-2') mine.push(summary);
    expect(mine).toHaveLength(1);
  });

  it('ok/rollback re-imports the previous certificate under the same ARN', async () => {
    const ctx = context('t3');
    const v1 = ca.leaf('rb-v1');
    const first = await runDeployment(awsAcmConnector, targetConfig(), materialOf(v1, 'v1', 'cert-acm-3'), ctx);
    const config = awsAcmConnector.configSchema.parse(targetConfig());
    const deployment = await awsAcmConnector.deploy(config, materialOf(ca.leaf('rb-v2'), 'v2', 'cert-acm-3'), ctx);
    await awsAcmConnector.rollback(config, deployment, ctx);
    expect(await described(first.files[0]!)).toMatchObject({ Serial: serialOf(v1), Status: 'ISSUED' });
    await expect(awsAcmConnector.validate(config, ctx)).resolves.toBeUndefined();
  });

  it('fail/a configured ARN that ACM does not hold fails the deploy step with the ACM error; a bad config fails before any call', async () => {
    const missing = `arn:aws:acm:${moto.region}:123456789012:certificate/00000000-0000-0000-0000-000000000000`;
    const outcome = await runDeployment(
      awsAcmConnector,
      targetConfig({ certificate_arn: missing }),
      materialOf(ca.leaf('missing'), 'v1', 'cert-acm-4'),
      context('t4'),
    );
    expect(outcome).toMatchObject({ ok: false, failedStep: 'deploy', rolledBack: false });
    expect(outcome.error).toMatch(/^ACM ImportCertificate failed: ResourceNotFoundException/);

    const bad = await runDeployment(
      awsAcmConnector,
      { region: 'Europe', endpoint: 'http://acm.example.com', tags: { 'aws:owner': 'x' } },
      materialOf(ca.leaf('bad'), 'v1', 'cert-acm-5'),
      context('t5'),
    );
    expect(bad).toMatchObject({ ok: false, failedStep: 'config' });
    expect(bad.error).toMatch(/region: must be an AWS region/);
    expect(bad.error).toMatch(/endpoint: must be an https URL/);
    expect(bad.error).toMatch(/tags\.aws:owner: must not start with aws:/);
  });
});
