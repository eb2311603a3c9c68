import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../file-set';
import { type DeployMaterial, type Deployment, type TargetConnector, type TargetContext, TargetError, type VerifyResult } from '../target';
import { type AcmMaterial, AcmApi, leafSerialValue, serialValue } from './acm-api';
import { type AwsAcmConfig, CERTIFICATE_ID_TAG, awsAcmConfigSchema } from './config';

/**
 * AWS Certificate Manager: ImportCertificate (leaf, chain, key), then on renewal the same call
 * with the CertificateArn kept in this target's state (or configured, or found by its
 * certctl:certificate-id tag), so load balancers and CloudFront distributions using the ARN
 * pick up the new certificate themselves. Validation: DescribeCertificate shows it ISSUED with
 * the new serial; verification: GetCertificate returns the deployed leaf. Rollback re-imports
 * the previous certificate and key (kept 0600 in the agent's state directory).
 */

interface AcmState {
  arn: string;
  /** What is imported under `arn` now, for the rollback of the next deployment. */
  current: AcmMaterial;
}

const stateFile = (ctx: TargetContext) => join(ctx.stateDir, 'aws-acm.json');

async function readState(ctx: TargetContext): Promise<AcmState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(ctx), 'utf8')) as AcmState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TargetError('deploy', `the aws-acm target state ${stateFile(ctx)} is unreadable: ${(err as Error).message}`);
  }
}

function writeState(ctx: TargetContext, state: AcmState): Promise<void> {
  return writeFileAtomic(stateFile(ctx), JSON.stringify(state), 0o600);
}

async function withApi<T>(config: AwsAcmConfig, fn: (api: AcmApi) => Promise<T>): Promise<T> {
  const api = new AcmApi(config);
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}

async function importedArn(ctx: TargetContext, step: 'validate' | 'verify'): Promise<string> {
  const state = await readState(ctx);
  if (!state) throw new TargetError(step, 'no certificate was imported into ACM by this target');
  return state.arn;
}

async function deploy(config: AwsAcmConfig, material: DeployMaterial, ctx: TargetContext): Promise<Deployment> {
  return withApi(config, async (api) => {
    const state = await readState(ctx);
    const known = config.certificate_arn ?? state?.arn ?? (await api.findByTag(CERTIFICATE_ID_TAG, material.certificateId));
    const previous = state && state.arn === known ? state : undefined;
    const tags = { ...config.tags, [CERTIFICATE_ID_TAG]: material.certificateId };
    const { certificatePem, chainPem, privateKeyPem } = material;
    const arn = await api.importCertificate('deploy', { certificatePem, chainPem, privateKeyPem }, known, tags);
    if (known) await api.addTags(arn, tags); // a re-import takes no tags: they are added (or updated) after it
    await writeState(ctx, { arn, current: { certificatePem, chainPem, privateKeyPem } });
    ctx.log.info(known ? 're-imported into ACM' : 'imported into ACM', { certificate_arn: arn });
    const restore = async () => {
      if (!previous) {
        ctx.log.warn('the first import into ACM stays (ACM certificates are deleted by the operator)', { certificate_arn: arn });
        return;
      }
      await withApi(config, (rollbackApi) => rollbackApi.importCertificate('rollback', previous.current, arn, {}));
      await writeState(ctx, previous);
    };
    return { files: [arn], backup: { files: [], restore } };
  });
}

async function verify(config: AwsAcmConfig, material: DeployMaterial, ctx: TargetContext): Promise<VerifyResult> {
  const arn = await importedArn(ctx, 'verify');
  const held = await withApi(config, (api) => api.fingerprint(arn));
  const ok = held === material.fingerprintSha256.toLowerCase();
  return {
    ok,
    servedFingerprint: held,
    address: arn,
    verifiedAt: new Date().toISOString(),
    ...(ok ? {} : { error: `ACM holds ${held} under ${arn}, not the deployed ${material.fingerprintSha256}` }),
  };
}

export const awsAcmConnector: TargetConnector<AwsAcmConfig> = {
  type: 'aws-acm',
  configSchema: awsAcmConfigSchema,
  deploy,
  validate: async (config, ctx) => {
    const state = await readState(ctx);
    if (!state) throw new TargetError('validate', 'no certificate was imported into ACM by this target');
    const described = await withApi(config, (api) => api.describe(state.arn));
    const serial = leafSerialValue(state.current.certificatePem);
    if (described.status !== 'ISSUED' || serialValue(described.serial) !== serial) {
      const want = `ISSUED with serial ${serial.toString(16)} (hex)`;
      throw new TargetError(
        'validate',
        `ACM shows ${state.arn} as ${described.status} with serial ${described.serial || 'none'}, not ${want}`,
      );
    }
  },
  reload: async () => {}, // the AWS services that use the ARN load the re-imported certificate themselves
  verify,
  rollback: (_config, deployment) => deployment.backup.restore(),
};
