import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runStep } from '../connector-support';
import { TargetError } from '../target';
import { configArgs, type DovecotConfig } from './config';

/** SIGHUP to the Dovecot master: the pid file sits in `base_dir` (asked from doveconf). */
export async function signalMaster(config: DovecotConfig): Promise<void> {
  const baseDir = (
    await runStep('reload', 'doveconf -h base_dir', config.doveconf_binary, [...configArgs(config), '-h', 'base_dir'])
  ).trim();
  const pidFile = join(baseDir, 'master.pid');
  const text = await readFile(pidFile, 'utf8').catch((err: Error) => {
    throw new TargetError('reload', `cannot read the Dovecot master pid file ${pidFile}`, err.message);
  });
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new TargetError('reload', `${pidFile} does not hold a process id`, text);
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    throw new TargetError('reload', `SIGHUP to the Dovecot master (pid ${pid}) failed`, (err as Error).message);
  }
}
