import type { DeployMaterial } from '../target';
import { apacheConfigSchema, apacheReloadCommand, apacheTestCommand } from './config';
import { apacheFiles } from './index';

const material = {
  certificatePem: '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n',
  chainPem: '-----BEGIN CERTIFICATE-----\nINTERMEDIATE\n-----END CERTIFICATE-----\n',
  privateKeyPem: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
} as DeployMaterial;
const base = { cert_path: '/srv/cert.pem', key_path: '/srv/key.pem', verify: { port: 443 } };

describe('apache target configuration', () => {
  it('tests with -t and reloads with -k graceful, with the server root and config file', () => {
    const config = apacheConfigSchema.parse({ ...base, server_root: '/srv/httpd', config_file: '/srv/httpd/httpd.conf' });
    expect(apacheTestCommand(config)).toEqual(['/usr/sbin/apache2', '-d', '/srv/httpd', '-f', '/srv/httpd/httpd.conf', '-t']);
    expect(apacheReloadCommand(config)).toEqual(['/usr/sbin/apache2', '-d', '/srv/httpd', '-f', '/srv/httpd/httpd.conf', '-k', 'graceful']);
  });

  it('puts the chain after the leaf unless chain_path is set; the key is 0600', () => {
    const together = apacheFiles(apacheConfigSchema.parse(base), material);
    expect(together.map((file) => [file.path, file.mode])).toEqual([
      ['/srv/cert.pem', 0o644],
      ['/srv/key.pem', 0o600],
    ]);
    expect(together[0].content).toBe(`${material.certificatePem}${material.chainPem}`);

    const apart = apacheFiles(apacheConfigSchema.parse({ ...base, chain_path: '/srv/chain.pem' }), material);
    expect(apart.map((file) => [file.path, file.content])).toEqual([
      ['/srv/cert.pem', material.certificatePem],
      ['/srv/key.pem', material.privateKeyPem],
      ['/srv/chain.pem', material.chainPem],
    ]);
  });

  it('refuses environment values that are not strings', () => {
    const parsed = apacheConfigSchema.safeParse({ ...base, env: { APACHE_RUN_DIR: 1 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].path).toEqual(['env', 'APACHE_RUN_DIR']);
  });
});
