import { caddyConfigSchema, caddyReloadCommand, caddyTestCommand } from './config';
import { withLoadedPem } from './load-pem';

const entry = { certificate: 'CERT-v2', key: 'KEY-v2' };

describe('caddy load_pem patching', () => {
  it('replaces the entry with this target’s tag and keeps every other part of the config', () => {
    const running = {
      admin: { listen: '127.0.0.1:2019' },
      apps: {
        http: { servers: { srv0: { listen: [':443'] } } },
        tls: {
          automation: { policies: [{ issuers: [{ module: 'internal' }] }] },
          certificates: {
            load_pem: [
              { certificate: 'OTHER', key: 'OTHER-KEY', tags: ['manual'] },
              { certificate: 'CERT-v1', key: 'KEY-v1', tags: ['certctl'] },
            ],
            load_files: [{ certificate: '/a.pem', key: '/a.key' }],
          },
        },
      },
    };
    const patched = withLoadedPem(running, entry, 'certctl');
    expect(patched).toEqual({
      ...running,
      apps: {
        ...running.apps,
        tls: {
          ...running.apps.tls,
          certificates: {
            load_pem: [
              { certificate: 'OTHER', key: 'OTHER-KEY', tags: ['manual'] },
              { certificate: 'CERT-v2', key: 'KEY-v2', tags: ['certctl'] },
            ],
            load_files: [{ certificate: '/a.pem', key: '/a.key' }],
          },
        },
      },
    });
    expect(running.apps.tls.certificates.load_pem[1].certificate).toBe('CERT-v1');
  });

  it('creates apps.tls.certificates when the running config has none (or is empty)', () => {
    expect(withLoadedPem(null, entry, 'web')).toEqual({ apps: { tls: { certificates: { load_pem: [{ ...entry, tags: ['web'] }] } } } });
  });
});

describe('caddy target configuration', () => {
  it('validates and force-reloads the config file with its adapter in file mode', () => {
    const config = caddyConfigSchema.parse({
      mode: 'file',
      cert_path: '/srv/cert.pem',
      key_path: '/srv/key.pem',
      config_file: '/etc/caddy/Caddyfile',
      adapter: 'caddyfile',
      verify: { port: 443 },
    });
    if (config.mode !== 'file') throw new Error('file mode expected');
    expect(caddyTestCommand(config)).toEqual(['/usr/bin/caddy', 'validate', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile']);
    expect(caddyReloadCommand(config)).toEqual([
      '/usr/bin/caddy',
      'reload',
      '--config',
      '/etc/caddy/Caddyfile',
      '--adapter',
      'caddyfile',
      '--force',
    ]);
  });

  it('defaults the admin API address and tag, and refuses a mode it does not know or an invalid URL', () => {
    expect(caddyConfigSchema.parse({ mode: 'admin_api', verify: { port: 443 } })).toMatchObject({
      admin_url: 'http://127.0.0.1:2019',
      tag: 'certctl',
    });
    expect(caddyConfigSchema.safeParse({ mode: 'api', verify: { port: 443 } }).error?.issues[0].path).toEqual(['mode']);
    expect(caddyConfigSchema.safeParse({ mode: 'admin_api', admin_url: 'localhost', verify: { port: 443 } }).error?.issues[0].path).toEqual(
      ['admin_url'],
    );
  });
});
