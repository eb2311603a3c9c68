import { runDeployment } from '../deploy-flow';
import type { DeployMaterial, TargetContext } from '../target';
import { nginxConfigSchema, nginxReloadCommand, nginxTestCommand } from './config';
import { nginxConnector } from './index';

const verify = { host: '127.0.0.1', port: 8443 };

describe('nginx target configuration', () => {
  it('defaults to the leaf and chain in cert_path and the Debian binary', () => {
    const config = nginxConfigSchema.parse({ cert_path: '/etc/ssl/site.pem', key_path: '/etc/ssl/site.key', verify });
    expect(config).toMatchObject({ chain_in_cert: true, nginx_binary: '/usr/sbin/nginx', verify: { timeout_ms: 10000 } });
    expect(nginxTestCommand(config)).toEqual(['/usr/sbin/nginx', '-t']);
    expect(nginxReloadCommand(config)).toEqual(['/usr/sbin/nginx', '-s', 'reload']);
  });

  it('passes the prefix and config file to both commands, or runs the operator’s own argv', () => {
    const config = nginxConfigSchema.parse({
      cert_path: '/srv/cert.pem',
      key_path: '/srv/key.pem',
      prefix: '/srv/nginx',
      config_file: '/srv/nginx/nginx.conf',
      reload_command: ['/usr/bin/systemctl', 'reload', 'nginx'],
      verify,
    });
    expect(nginxTestCommand(config)).toEqual(['/usr/sbin/nginx', '-p', '/srv/nginx', '-c', '/srv/nginx/nginx.conf', '-t']);
    expect(nginxReloadCommand(config)).toEqual(['/usr/bin/systemctl', 'reload', 'nginx']);
  });

  it('refuses a relative path, a missing verify port and an empty command, naming each field', async () => {
    const ctx: TargetContext = { stateDir: '/nonexistent', log: { info: () => undefined, warn: () => undefined } };
    const outcome = await runDeployment(
      nginxConnector,
      { cert_path: 'site.pem', key_path: '/k', test_command: [], verify: { host: 'x' } },
      {} as DeployMaterial,
      ctx,
    );
    expect(outcome).toMatchObject({ ok: false, failedStep: 'config', rolledBack: false, files: [] });
    expect(outcome.error).toContain('invalid nginx target configuration');
    expect(outcome.error).toContain('cert_path: must be an absolute path');
    expect(outcome.error).toContain('test_command: must name the program to run');
    expect(outcome.error).toMatch(/verify\.port: /);
  });
});
