import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { outputOf, runCommand } from '../command';
import { type TargetContext, TargetError } from '../target';
import type { SshConfig } from './config';

/** ssh/sftp options shared by every call: the key, strict host key checking, no prompts. */
function connectionOptions(config: SshConfig): string[] {
  return [
    ...['-i', config.identity_file, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${config.known_hosts_file}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
    ...['-o', `ConnectTimeout=${config.connect_timeout_seconds}`],
  ];
}

const destination = (config: SshConfig) => `${config.user}@${config.host}`;

/** A failure of ssh itself (exit 255) named for the operator; a remote command's failure keeps its output. */
function failure(config: SshConfig, step: TargetError['step'], what: string, code: number, output: string): TargetError {
  const address = `${config.host}:${config.port}`;
  if (/Host key verification failed|host key for .* has changed|No \S+ host key is known/i.test(output))
    return new TargetError(
      step,
      `the host key of ${address} is not the one in known_hosts_file ${config.known_hosts_file} (strict host key checking refuses the connection)`,
      output,
    );
  if (/Permission denied \(/.test(output))
    return new TargetError(step, `${address} refused the key ${config.identity_file} for user ${config.user}`, output);
  return new TargetError(step, `${what} on ${address} failed (exit ${code})`, output);
}

/** Runs one shell command on the remote host; returns its stdout. */
export async function runRemote(config: SshConfig, step: TargetError['step'], what: string, command: string): Promise<string> {
  const args = [...connectionOptions(config), '-p', String(config.port), destination(config), '--', command];
  const result = await runCommand(config.ssh_binary, args, { timeoutMs: 120000 });
  if (result.code !== 0) throw failure(config, step, what, result.code, outputOf(result));
  return result.stdout;
}

/**
 * Runs sftp commands as one batch (`sftp -b`): a line without a leading `-` that fails stops
 * the batch and fails the call. Returns the batch's stdout (each command echoed as `sftp> ...`).
 */
export async function runSftpBatch(config: SshConfig, ctx: TargetContext, step: TargetError['step'], lines: string[]): Promise<string> {
  await mkdir(ctx.stateDir, { recursive: true, mode: 0o700 });
  const batchFile = join(ctx.stateDir, `sftp-${randomUUID()}.batch`);
  await writeFile(batchFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  try {
    const args = [...connectionOptions(config), '-P', String(config.port), '-b', batchFile, destination(config)];
    const result = await runCommand(config.sftp_binary, args, { timeoutMs: 120000 });
    if (result.code !== 0) throw failure(config, step, 'sftp', result.code, outputOf(result));
    return result.stdout;
  } finally {
    await rm(batchFile, { force: true });
  }
}

/** The names `ls -1 <dir>` printed in a batch's output (full paths or bare names, as basenames). */
export function listedNames(batchOutput: string, dir: string): Set<string> {
  const lines = batchOutput.split('\n');
  const start = lines.findIndex((line) => line.trim() === `sftp> ls -1 ${dir}`);
  const names = new Set<string>();
  for (const line of lines.slice(start + 1)) {
    if (start < 0 || line.startsWith('sftp>')) break;
    const name = line.trim().split('/').at(-1);
    if (name) names.add(name);
  }
  return names;
}
