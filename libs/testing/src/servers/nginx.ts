// Test-only: a real NGINX (Debian's /usr/sbin/nginx) serving TLS on a loopback port from a
// temporary directory (config, pid file, logs, certificate and key); never /etc/nginx.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerMaterial, type TargetServer, certificateFiles, prepareServer, readPidFile, runningServer } from './support';

export const NGINX_BINARY = '/usr/sbin/nginx';

function nginxConf(dir: string, port: number): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/tmp/${kind};`);
  return `daemon on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log off;
${temp.join('\n')}
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / { return 200 "ok\\n"; }
  }
}
`;
}

/** Starts NGINX serving `certPem`/`keyPem`; `targetConfig` is the `nginx` target for it. */
export async function startNginx(material: ServerMaterial): Promise<TargetServer> {
  const { dir, port } = await prepareServer('nginx', NGINX_BINARY, certificateFiles(material));
  mkdirSync(join(dir, 'tmp'));
  const configFile = join(dir, 'nginx.conf');
  writeFileSync(configFile, nginxConf(dir, port));
  // -e: the startup error log in the directory too, not /var/log/nginx.
  const base = [NGINX_BINARY, '-p', dir, '-e', join(dir, 'error.log'), '-c', configFile];
  execFileSync(base[0], base.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  return runningServer({
    dir,
    port,
    pid: await readPidFile(join(dir, 'nginx.pid')),
    configFile,
    brokenText: '\ncertctl_broken_directive on;\n',
    targetConfig: {
      cert_path: join(dir, 'cert.pem'),
      key_path: join(dir, 'key.pem'),
      nginx_binary: NGINX_BINARY,
      prefix: dir,
      config_file: configFile,
      test_command: [...base, '-t'],
      reload_command: [...base, '-s', 'reload'],
      verify: { host: '127.0.0.1', port, servername: 'localhost' },
    },
  });
}
