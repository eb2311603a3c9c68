import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { outputOf, runCommand } from './command';
import { type FileSpec, writeFileSet } from './file-set';
import { type DeployMaterial, type Deployment, type TargetContext, TargetError } from './target';

/**
 * What the Postfix, Dovecot, keystore and SSH connectors share (their config fields are in
 * @certctl/contracts): the certificate and key files of one deployment, and running a server's
 * own tool as a step of the flow.
 */

/** The leaf (followed by its chain when `withChain`), PEM, each block ending with a newline. */
export function certificateFileContent(material: DeployMaterial, withChain: boolean): string {
  const blocks = [material.certificatePem, withChain ? material.chainPem : ''].map((pem) => pem.trim()).filter(Boolean);
  return blocks.map((pem) => `${pem}\n`).join('');
}

/** The certificate (0644) and key (0600) files of a server that reads them from two paths. */
export function certificateAndKeyFiles(
  paths: { certPath: string; keyPath: string; withChain: boolean },
  material: DeployMaterial,
): FileSpec[] {
  return [
    { path: paths.certPath, content: certificateFileContent(material, paths.withChain), mode: 0o644 },
    { path: paths.keyPath, content: material.privateKeyPem, mode: 0o600 },
  ];
}

/** The cert/key fields Postfix and Dovecot targets share. */
export interface CertificateAndKeyConfig {
  cert_path: string;
  key_path: string;
  chain_in_cert: boolean;
}

/** `deploy` of a server reading a certificate file and a key file. */
export function deployCertificateAndKey(
  config: CertificateAndKeyConfig,
  material: DeployMaterial,
  ctx: TargetContext,
): Promise<Deployment> {
  return installFiles(
    certificateAndKeyFiles({ certPath: config.cert_path, keyPath: config.key_path, withChain: config.chain_in_cert }, material),
    ctx,
  );
}

/** `rollback` of every connector here: what the deployment's backup restores. */
export const restorePrevious = (_config: unknown, deployment: Deployment): Promise<void> => deployment.backup.restore();

/** Installs the files as one unit (file-set.ts), keeping the previous ones for `rollback`. */
export async function installFiles(files: FileSpec[], ctx: TargetContext): Promise<Deployment> {
  const backup = await writeFileSet(ctx.stateDir, files);
  ctx.log.info('files installed', { files: files.map((file) => file.path) });
  return { files: files.map((file) => file.path), backup };
}

/**
 * Runs a server's tool (no shell) as one step of the flow; a non-zero exit is a TargetError
 * carrying the tool's own output, followed by `explain()` for tools that log their reasons
 * elsewhere (postfix writes to syslog, not to its stderr).
 */
export async function runStep(
  step: TargetError['step'],
  what: string,
  file: string,
  args: string[],
  options: { timeoutMs?: number; explain?: () => Promise<string> } = {},
): Promise<string> {
  const result = await runCommand(file, args, { timeoutMs: options.timeoutMs });
  if (result.code === 0) return result.stdout;
  const explanation = options.explain ? await options.explain() : '';
  const output = [outputOf(result), explanation].filter(Boolean).join('\n');
  throw new TargetError(step, `${what} failed (exit ${result.code})`, output);
}

/** A private scratch directory under the target's state directory (0700), for staged files. */
export async function stagingDir(ctx: TargetContext, prefix: string): Promise<string> {
  await mkdir(ctx.stateDir, { recursive: true, mode: 0o700 });
  return mkdtemp(join(ctx.stateDir, `${prefix}-`));
}
