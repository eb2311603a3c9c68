// Test-only: a private Postfix instance (`postfix -c <dir> start-fg`) on a loopback port, with
// its configuration, queue, data and log in a temp dir; /etc/postfix is never read or touched.
// Runs as root: Postfix's master starts as root and runs smtpd as the `postfix` user (Debian's
// package creates it), which owns the instance's data directory.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  logTail,
  whenListening,
  writeLeafFiles,
  type MailTestLeaf,
  removeTempDir,
  mailServerTempDir,
  spawnServer,
  stopByPid,
} from './mail-support';

export interface PostfixFixture {
  dir: string;
  configDir: string;
  certPath: string;
  keyPath: string;
  port: number;
  /** Appends a line main.cf cannot parse (the server's own configuration broken). */
  breakConfig(): void;
  stop(): Promise<void>;
}

function mainCf(dir: string, certPath: string, keyPath: string): string {
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${join(dir, 'queue')}`,
    `data_directory = ${join(dir, 'data')}`,
    'mail_owner = postfix',
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'myhostname = mail.certctl.test',
    'mydestination =',
    `maillog_file_prefixes = ${dir}`,
    `maillog_file = ${join(dir, 'maillog')}`,
    `smtpd_tls_cert_file = ${certPath}`,
    `smtpd_tls_key_file = ${keyPath}`,
    'smtpd_tls_security_level = may',
    '',
  ].join('\n');
}

/** smtpd on the test's port and only the helpers it needs (no queue manager, no delivery). */
function masterCf(port: number): string {
  return [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'postlog unix-dgram n - n - 1 postlogd',
    'proxymap unix - - n - - proxymap',
    'anvil unix - - n - 1 anvil',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    '',
  ].join('\n');
}

const userId = (name: string, flag: '-u' | '-g') => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());

export async function startPostfix(options: { port: number; leaf: MailTestLeaf }): Promise<PostfixFixture> {
  const dir = mailServerTempDir('postfix');
  const configDir = join(dir, 'conf');
  const certPath = join(dir, 'tls', 'smtpd-cert.pem');
  const keyPath = join(dir, 'tls', 'smtpd-key.pem');
  for (const sub of ['conf', 'queue', 'data', 'tls']) mkdirSync(join(dir, sub), { mode: 0o755 });
  chownSync(join(dir, 'data'), userId('postfix', '-u'), userId('postfix', '-g'));
  writeLeafFiles(certPath, keyPath, options.leaf);
  writeFileSync(join(configDir, 'main.cf'), mainCf(dir, certPath, keyPath));
  writeFileSync(join(configDir, 'master.cf'), masterCf(options.port));
  const child: ChildProcess = spawnServer('/usr/sbin/postfix', ['-c', configDir, 'start-fg']);
  const stop = async () => {
    const pidFile = join(dir, 'queue', 'pid', 'master.pid');
    const masterPid = Number(logTail(pidFile).trim()) || undefined;
    await stopByPid(masterPid);
    await stopByPid(child.pid);
    removeTempDir(dir);
  };
  await whenListening([options.port], join(dir, 'maillog'), stop);
  return {
    dir,
    configDir,
    certPath,
    keyPath,
    port: options.port,
    breakConfig: () => appendFileSync(join(configDir, 'main.cf'), 'smtpd_tls_loglevel this line has no equals sign\n'),
    stop,
  };
}
