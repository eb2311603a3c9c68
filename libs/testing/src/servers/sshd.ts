// Test-only: an OpenSSH server (`sshd -D -f <cfg> -p <port>`) on loopback with temp host keys,
// an authorized_keys for a key the fixture makes, and a known_hosts holding its host key.
// Runs as root and logs in as root by key (the system sshd and /etc/ssh are never used);
// sshd needs its privilege-separation directory /run/sshd, created empty when missing.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { whenListening, removeTempDir, mailServerTempDir, spawnServer, stopByPid } from './mail-support';
import type { ReloadableTlsServer } from './mail-tls-server';

export interface SshdFixture {
  dir: string;
  port: number;
  user: string;
  identityFile: string;
  /** known_hosts with this server's host key. */
  knownHostsFile: string;
  /** known_hosts with another key for the same address (a host the agent must refuse). */
  wrongKnownHostsFile: string;
  stop(): Promise<void>;
}

const keygen = (path: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'certctl-test', '-f', path]);
const publicKey = (path: string) => readFileSync(`${path}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');

export async function startSshd(options: { port: number }): Promise<SshdFixture> {
  const dir = mailServerTempDir('sshd');
  for (const name of ['host_key', 'client_key', 'other_host_key']) keygen(join(dir, name));
  copyFileSync(join(dir, 'client_key.pub'), join(dir, 'authorized_keys'));
  const address = `[127.0.0.1]:${options.port}`;
  writeFileSync(join(dir, 'known_hosts'), `${address} ${publicKey(join(dir, 'host_key'))}\n`);
  writeFileSync(join(dir, 'wrong_known_hosts'), `${address} ${publicKey(join(dir, 'other_host_key'))}\n`);
  const config = [
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child: ChildProcess = spawnServer('/usr/sbin/sshd', [
    '-D',
    '-E',
    join(dir, 'sshd.log'),
    '-f',
    join(dir, 'sshd_config'),
    '-p',
    String(options.port),
  ]);
  const stop = async () => {
    await stopByPid(child.pid);
    removeTempDir(dir);
  };
  await whenListening([options.port], join(dir, 'sshd.log'), stop);
  return {
    dir,
    port: options.port,
    user: 'root',
    identityFile: join(dir, 'client_key'),
    knownHostsFile: join(dir, 'known_hosts'),
    wrongKnownHostsFile: join(dir, 'wrong_known_hosts'),
    stop,
  };
}

/** The `ssh` target config uploading `server.pem`/`server.key` to `remoteDir` on this sshd, testing and reloading `server` there. */
export function sshTargetConfig(sshd: SshdFixture, remoteDir: string, server: ReloadableTlsServer): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    identity_file: sshd.identityFile,
    known_hosts_file: sshd.knownHostsFile,
    remote_dir: remoteDir,
    cert_file: 'server.pem',
    key_file: 'server.key',
    test_command: server.testCommand,
    reload_command: server.reloadCommand,
    verify: { host: '127.0.0.1', port: server.port },
  };
}
