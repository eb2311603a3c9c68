// Test-only: a real HAProxy (Debian's /usr/sbin/haproxy) in master-worker mode, daemonized,
// serving TLS on a loopback port from a temporary directory, with its master CLI socket there.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerMaterial, type TargetServer, prepareServer, readPidFile, runningServer } from './support';

export const HAPROXY_BINARY = '/usr/sbin/haproxy';

function haproxyCfg(dir: string, port: number): string {
  return `global
  master-worker
  pidfile ${dir}/haproxy.pid
  stats socket ${dir}/admin.sock mode 600 level admin expose-fd listeners
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend tls
  bind 127.0.0.1:${port} ssl crt ${dir}/site.pem
  http-request return status 200 content-type text/plain string ok
`;
}

/** Starts HAProxy serving `certPem` + `keyPem` (one combined PEM); reloads through the master CLI. */
export async function startHaproxy(material: ServerMaterial): Promise<TargetServer> {
  const { dir, port } = await prepareServer('haproxy', HAPROXY_BINARY, {
    'site.pem': { content: `${material.certPem.trim()}\n${material.keyPem.trim()}\n` },
  });
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyCfg(dir, port));
  const masterSocket = join(dir, 'master.sock');
  execFileSync(HAPROXY_BINARY, ['-W', '-D', '-S', masterSocket, '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  return runningServer({
    dir,
    port,
    pid: await readPidFile(join(dir, 'haproxy.pid')),
    configFile,
    brokenText: '  certctl-broken-keyword on\n',
    targetConfig: {
      pem_path: join(dir, 'site.pem'),
      haproxy_binary: HAPROXY_BINARY,
      config_file: configFile,
      reload: { mode: 'master-socket', master_socket: masterSocket },
      verify: { host: '127.0.0.1', port, servername: 'localhost' },
    },
  });
}
