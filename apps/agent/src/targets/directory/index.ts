import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import { type DirectoryConfig, directoryConfigSchema } from '@certctl/contracts';
import type { z } from 'zod';
import { outputOf, runCommand } from '../command';
import { type FileSpec, writeFileSet } from '../file-set';
import { type DeployMaterial, type TargetConnector, TargetError, type VerifyResult } from '../target';
import { verifyServed } from '../tls-probe';

export { type DirectoryConfig, directoryConfigSchema };

/** The files a directory target holds: leaf, key, and optionally the chain and leaf+chain. */
export function directoryFiles(config: DirectoryConfig, material: DeployMaterial): FileSpec[] {
  const at = (name: string) => join(config.directory, name);
  const chain = material.chainPem.trim() ? `${material.chainPem.trim()}\n` : '';
  const leaf = `${material.certificatePem.trim()}\n`;
  const files: FileSpec[] = [
    { path: at(config.cert_file), content: leaf, mode: config.file_mode },
    { path: at(config.key_file), content: material.privateKeyPem, mode: config.key_mode },
  ];
  if (config.chain_file) files.push({ path: at(config.chain_file), content: chain, mode: config.file_mode });
  if (config.fullchain_file) files.push({ path: at(config.fullchain_file), content: leaf + chain, mode: config.file_mode });
  return files;
}

async function resolveId(kind: 'user' | 'group', value: string | number | undefined): Promise<number | undefined> {
  if (value === undefined || typeof value === 'number') return value;
  const result = kind === 'user' ? await runCommand('id', ['-u', value]) : await runCommand('getent', ['group', value]);
  const id = Number(kind === 'user' ? result.stdout.trim() : result.stdout.split(':')[2]);
  if (result.code !== 0 || !Number.isInteger(id)) throw new TargetError('deploy', `unknown ${kind} ${JSON.stringify(value)}`);
  return id;
}

async function runStep(step: 'validate' | 'reload', command: string[] | undefined): Promise<void> {
  if (!command) return;
  const result = await runCommand(command[0], command.slice(1), { timeoutMs: 120_000 });
  if (result.code !== 0) throw new TargetError(step, `${command.join(' ')} exited with ${result.code}`, outputOf(result));
}

/**
 * A plain directory: the files are installed as one set (old or new, never a mix), then the
 * operator's own commands (argv, no shell) check and reload whatever reads them.
 */
export const directoryConnector: TargetConnector<DirectoryConfig> = {
  type: 'directory',
  configSchema: directoryConfigSchema as z.ZodType<DirectoryConfig>,
  async deploy(config, material, ctx) {
    const files = directoryFiles(config, material);
    const backup = await writeFileSet(ctx.stateDir, files);
    const [uid, gid] = [await resolveId('user', config.owner), await resolveId('group', config.group)];
    if (uid !== undefined || gid !== undefined) {
      for (const file of files) await chown(file.path, uid ?? -1, gid ?? -1);
    }
    return { files: files.map((file) => file.path), backup };
  },
  validate: (config) => runStep('validate', config.validate_command),
  reload: (config) => runStep('reload', config.reload_command),
  async verify(config, material): Promise<VerifyResult> {
    if (!config.verify) return { ok: true, servedFingerprint: null, address: '', verifiedAt: new Date().toISOString(), skipped: true };
    return verifyServed(config.verify, material.fingerprintSha256);
  },
  rollback: (_config, deployment) => deployment.backup.restore(),
};
