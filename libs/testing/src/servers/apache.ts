// Test-only: a real Apache httpd (Debian's /usr/sbin/apache2, event MPM) serving TLS on a
// loopback port, with its own ServerRoot, config, pid file and logs in a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerMaterial, type TargetServer, certificateFiles, prepareServer, readPidFile, runningServer } from './support';

export const APACHE_BINARY = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

function httpdConf(dir: string, port: number): string {
  const modules = ['mpm_event', 'authz_core', 'ssl', 'socache_shmcb'].map((name) => `LoadModule ${name}_module ${MODULES}/mod_${name}.so`);
  return `ServerRoot ${dir}
ServerName localhost
${modules.join('\n')}
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}/run
ErrorLog ${dir}/error.log
LogLevel warn
User nobody
Group nogroup
SSLSessionCache shmcb:${dir}/run/ssl_scache(512000)
<VirtualHost 127.0.0.1:${port}>
  SSLEngine on
  SSLCertificateFile ${dir}/cert.pem
  SSLCertificateKeyFile ${dir}/key.pem
</VirtualHost>
`;
}

/** Starts httpd serving `certPem`/`keyPem`; `targetConfig` is the `apache` target for it. */
export async function startApache(material: ServerMaterial): Promise<TargetServer> {
  const { dir, port } = await prepareServer('apache', APACHE_BINARY, certificateFiles(material));
  mkdirSync(join(dir, 'run'));
  const configFile = join(dir, 'httpd.conf');
  writeFileSync(configFile, httpdConf(dir, port));
  const env = {
    APACHE_RUN_DIR: join(dir, 'run'),
    APACHE_PID_FILE: join(dir, 'httpd.pid'),
    APACHE_LOG_DIR: dir,
    APACHE_LOCK_DIR: join(dir, 'run'),
  };
  execFileSync(APACHE_BINARY, ['-d', dir, '-f', configFile, '-k', 'start'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return runningServer({
    dir,
    port,
    pid: await readPidFile(join(dir, 'httpd.pid')),
    configFile,
    brokenText: '\nCertctlBrokenDirective on\n',
    targetConfig: {
      cert_path: join(dir, 'cert.pem'),
      key_path: join(dir, 'key.pem'),
      apache_binary: APACHE_BINARY,
      server_root: dir,
      config_file: configFile,
      env,
      verify: { host: '127.0.0.1', port, servername: 'localhost' },
    },
  });
}
