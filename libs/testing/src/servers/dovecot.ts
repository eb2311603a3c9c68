// Test-only: Dovecot (`dovecot -F -c <file>`) serving IMAP with STARTTLS and IMAPS on loopback
// ports, with base_dir, state_dir, log and certificate files in a temp dir (/etc/dovecot is
// never read). Runs as root; login processes run as Debian's `dovenull` user.
import { type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { whenListening, writeLeafFiles, type MailTestLeaf, removeTempDir, mailServerTempDir, spawnServer, stopByPid } from './mail-support';

export interface DovecotFixture {
  dir: string;
  configFile: string;
  certPath: string;
  keyPath: string;
  imapPort: number;
  imapsPort: number;
  /** Appends a setting Dovecot does not know (the server's own configuration broken). */
  breakConfig(): void;
  stop(): Promise<void>;
}

function dovecotConf(dir: string, certPath: string, keyPath: string, imapPort: number, imapsPort: number): string {
  return `base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <${certPath}
ssl_key = <${keyPath}
passdb {
  driver = static
  args = password=unused-by-the-tests
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${join(dir, 'home')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${imapsPort}
  }
}
`;
}

export async function startDovecot(options: { imapPort: number; imapsPort: number; leaf: MailTestLeaf }): Promise<DovecotFixture> {
  const dir = mailServerTempDir('dovecot');
  const configFile = join(dir, 'dovecot.conf');
  const certPath = join(dir, 'tls', 'imap-cert.pem');
  const keyPath = join(dir, 'tls', 'imap-key.pem');
  for (const sub of ['run', 'state', 'tls']) mkdirSync(join(dir, sub), { mode: 0o755 });
  writeLeafFiles(certPath, keyPath, options.leaf);
  writeFileSync(configFile, dovecotConf(dir, certPath, keyPath, options.imapPort, options.imapsPort));
  const child: ChildProcess = spawnServer('/usr/sbin/dovecot', ['-F', '-c', configFile]);
  const stop = async () => {
    await stopByPid(child.pid);
    removeTempDir(dir);
  };
  await whenListening([options.imapPort, options.imapsPort], join(dir, 'dovecot.log'), stop);
  return {
    dir,
    configFile,
    certPath,
    keyPath,
    imapPort: options.imapPort,
    imapsPort: options.imapsPort,
    breakConfig: () => appendFileSync(configFile, 'ssl_certificate_that_does_not_exist = yes\n'),
    stop,
  };
}
