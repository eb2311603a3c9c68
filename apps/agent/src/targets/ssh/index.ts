import { X509Certificate } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certificateFileContent, restorePrevious, stagingDir } from '../connector-support';
import type { DeployMaterial, Deployment, TargetConnector, TargetContext, VerifyResult } from '../target';
import { fingerprintOf } from '../tls-probe';
import { verifyEndpoint } from '../tls-starttls';
import { remotePath, type SshConfig, sshConfigSchema } from './config';
import { listedNames, runRemote, runSftpBatch } from './remote';

/**
 * Agentless SSH target: the agent uploads the files with the system's sftp to temporary names
 * (`<file>.certctl-new`), keeps each current file as a hard link `<file>.certctl-prev`, renames
 * the new ones into place (posix-rename: atomic per file), runs the test and reload commands
 * through ssh, and on failure renames the previous files back. Strict host key checking always.
 */

const NEW = '.certctl-new';
const PREV = '.certctl-prev';

interface RemoteFile {
  path: string;
  content: string;
  mode: number;
}

function remoteFiles(config: SshConfig, material: DeployMaterial): RemoteFile[] {
  const files = [
    { path: remotePath(config, config.cert_file), content: certificateFileContent(material, !config.chain_file), mode: 0o644 },
    { path: remotePath(config, config.key_file), content: material.privateKeyPem, mode: 0o600 },
  ];
  if (config.chain_file && material.chainPem.trim())
    files.push({ path: remotePath(config, config.chain_file), content: `${material.chainPem.trim()}\n`, mode: 0o644 });
  return files;
}

async function deploy(config: SshConfig, material: DeployMaterial, ctx: TargetContext): Promise<Deployment> {
  const files = remoteFiles(config, material);
  const staging = await stagingDir(ctx, 'ssh');
  try {
    const lines = [`-mkdir ${config.remote_dir}`, `ls -1 ${config.remote_dir}`];
    for (const [index, file] of files.entries()) {
      const local = join(staging, String(index));
      await writeFile(local, file.content, { mode: 0o600 });
      lines.push(`put ${local} ${file.path}${NEW}`, `chmod ${file.mode.toString(8)} ${file.path}${NEW}`);
      lines.push(`-rm ${file.path}${PREV}`, `-ln ${file.path} ${file.path}${PREV}`);
    }
    lines.push(...files.map((file) => `rename ${file.path}${NEW} ${file.path}`));
    const output = await runSftpBatch(config, ctx, 'deploy', lines);
    const present = listedNames(output, config.remote_dir);
    const entries = files.map((file) => ({ path: file.path, hadPrevious: present.has(file.path.split('/').at(-1)!) }));
    ctx.log.info('files uploaded', { host: config.host, files: entries.map((entry) => entry.path) });
    const restore = async () => {
      const back = entries.map((entry) => (entry.hadPrevious ? `rename ${entry.path}${PREV} ${entry.path}` : `-rm ${entry.path}`));
      await runSftpBatch(config, ctx, 'rollback', back);
    };
    return { files: entries.map((entry) => entry.path), backup: { files: entries, restore } };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Without a TLS endpoint: the certificate file now on the remote host must be the deployed leaf. */
async function verifyUploaded(config: SshConfig, expected: string, ctx: TargetContext): Promise<VerifyResult> {
  const remote = remotePath(config, config.cert_file);
  const address = `sftp://${config.user}@${config.host}:${config.port}${remote}`;
  const staging = await stagingDir(ctx, 'ssh-verify');
  try {
    await runSftpBatch(config, ctx, 'verify', [`get ${remote} ${join(staging, 'cert.pem')}`]);
    const served = fingerprintOf(new X509Certificate(await readFile(join(staging, 'cert.pem'))).raw);
    const ok = served === expected.toLowerCase();
    const error = ok ? undefined : `${address} holds ${served}, not the deployed ${expected}`;
    return { ok, servedFingerprint: served, address, verifiedAt: new Date().toISOString(), error };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export const sshConnector: TargetConnector<SshConfig> = {
  type: 'ssh',
  configSchema: sshConfigSchema,
  deploy,
  validate: async (config) => {
    if (config.test_command) await runRemote(config, 'validate', 'the remote test command', config.test_command);
  },
  reload: async (config) => {
    await runRemote(config, 'reload', 'the remote reload command', config.reload_command);
  },
  verify: (config, material, ctx) =>
    config.verify ? verifyEndpoint(config.verify, material.fingerprintSha256) : verifyUploaded(config, material.fingerprintSha256, ctx),
  rollback: restorePrevious,
};
