// Test-only: a real Caddy (Debian's /usr/bin/caddy, `caddy run` in the foreground) serving TLS
// on a loopback port, its admin API on another, storage and config in a temporary directory.
// mode 'file': a Caddyfile naming cert.pem/key.pem; mode 'admin_api': a JSON config whose
// certificate sits in apps.tls.certificates.load_pem (tag "certctl").
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForPort } from '../infra';
import {
  type ServerMaterial,
  type TargetServer,
  certificateFiles,
  prepareServer,
  releasePorts,
  reservePort,
  runningServer,
  stopPid,
} from './support';

export const CADDY_BINARY = '/usr/bin/caddy';

function caddyfile(dir: string, port: number, adminPort: number): string {
  return `{
	admin 127.0.0.1:${adminPort}
	auto_https off
	storage file_system ${dir}/data
}
https://localhost:${port} {
	bind 127.0.0.1
	tls ${dir}/cert.pem ${dir}/key.pem
	respond "ok"
}
`;
}

function caddyJson(dir: string, port: number, adminPort: number, material: ServerMaterial): unknown {
  return {
    admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } },
    storage: { module: 'file_system', root: `${dir}/data` },
    apps: {
      http: {
        servers: {
          tls: {
            listen: [`127.0.0.1:${port}`],
            routes: [{ handle: [{ handler: 'static_response', body: 'ok' }] }],
            tls_connection_policies: [{}],
            automatic_https: { disable: true },
          },
        },
      },
      tls: { certificates: { load_pem: [{ certificate: material.certPem, key: material.keyPem, tags: ['certctl'] }] } },
    },
  };
}

/** Starts Caddy serving `certPem`/`keyPem`; `targetConfig` is the `caddy` target (in `mode`) for it. */
export async function startCaddy(material: ServerMaterial, mode: 'file' | 'admin_api' = 'file'): Promise<TargetServer> {
  const { dir, port } = await prepareServer('caddy', CADDY_BINARY, mode === 'file' ? certificateFiles(material) : {});
  const adminPort = await reservePort();
  const env = { HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const configFile = join(dir, mode === 'file' ? 'Caddyfile' : 'caddy.json');
  const config = mode === 'file' ? caddyfile(dir, port, adminPort) : JSON.stringify(caddyJson(dir, port, adminPort, material));
  writeFileSync(configFile, config, { mode: 0o600 });
  const adapter = mode === 'file' ? ['--adapter', 'caddyfile'] : [];
  const log = openSync(join(dir, 'caddy.log'), 'a');
  const child = spawn(CADDY_BINARY, ['run', '--config', configFile, ...adapter], {
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  await waitForPort(port, 15000).catch(async (err: Error) => {
    await stopPid(child.pid!);
    releasePorts([port, adminPort]);
    throw new Error(`${err.message}; Caddy's log is ${join(dir, 'caddy.log')}`);
  });
  const verify = { host: '127.0.0.1', port, servername: 'localhost' };
  return runningServer({
    dir,
    port,
    pid: child.pid!,
    extraPorts: [adminPort],
    configFile,
    brokenText: '\nhttps://localhost:1 {\n\tcertctl_broken_directive\n}\n',
    targetConfig:
      mode === 'file'
        ? {
            mode,
            cert_path: join(dir, 'cert.pem'),
            key_path: join(dir, 'key.pem'),
            config_file: configFile,
            adapter: 'caddyfile',
            env,
            verify,
          }
        : { mode, admin_url: `http://127.0.0.1:${adminPort}`, verify },
  });
}
