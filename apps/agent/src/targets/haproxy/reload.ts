import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { runStep } from '../server-support';
import { TargetError } from '../target';
import type { HaproxyConfig } from './config';

/** Sends one command on HAProxy's master CLI socket and answers what it printed. */
export function masterCli(socketPath: string, command: string, timeoutMs = 10000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let output = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`)));
    socket.on('data', (chunk) => (output += chunk.toString()));
    socket.once('connect', () => socket.end(`${command}\n`));
    socket.once('close', () => resolve(output));
    socket.once('error', reject);
  });
}

async function signalMaster(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8')).trim().split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new TargetError('reload', `${pidFile} holds no PID`);
  process.kill(pid, 'SIGUSR2');
}

/** Makes the master start new workers on the new PEM; the old ones finish their connections. */
export async function reloadHaproxy(config: HaproxyConfig): Promise<void> {
  const reload = config.reload;
  try {
    if (reload.mode === 'command') await runStep('reload', reload.command);
    else if (reload.mode === 'signal') await signalMaster(reload.pid_file);
    else {
      const answer = await masterCli(reload.master_socket, 'reload');
      if (/Success=0/.test(answer)) throw new TargetError('reload', 'the HAProxy master refused the reload', answer);
    }
  } catch (err) {
    if (err instanceof TargetError) throw err;
    throw new TargetError('reload', `HAProxy reload (${reload.mode}) failed`, (err as Error).message);
  }
}
