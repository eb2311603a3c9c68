import type { DeployMaterial } from '../target';
import { haproxyConfigSchema, haproxyTestCommand } from './config';
import { combinedPem } from './pem';

const leaf = '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----';
const chain = '-----BEGIN CERTIFICATE-----\nINTERMEDIATE\n-----END CERTIFICATE-----';
const key = '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----';

describe('haproxy combined PEM', () => {
  it('is the leaf, then the chain, then the key, one newline between them', () => {
    const pem = combinedPem({ certificatePem: `${leaf}\n`, chainPem: `${chain}\n\n`, privateKeyPem: `${key}\n` } as DeployMaterial);
    expect(pem).toBe(`${leaf}\n${chain}\n${key}\n`);
  });

  it('leaves the chain out when there is none', () => {
    expect(combinedPem({ certificatePem: leaf, chainPem: '', privateKeyPem: key } as DeployMaterial)).toBe(`${leaf}\n${key}\n`);
  });

  it('refuses material without a PEM private key', () => {
    expect(() => combinedPem({ certificatePem: leaf, chainPem: '', privateKeyPem: 'nope' } as DeployMaterial)).toThrow(
      'not a PEM private key',
    );
  });
});

describe('haproxy target configuration', () => {
  const base = { pem_path: '/etc/haproxy/site.pem', config_file: '/etc/haproxy/haproxy.cfg', verify: { port: 443 } };

  it('checks with haproxy -c -f <config_file>', () => {
    const config = haproxyConfigSchema.parse({ ...base, reload: { mode: 'signal', pid_file: '/run/haproxy.pid' } });
    expect(haproxyTestCommand(config)).toEqual(['/usr/sbin/haproxy', '-c', '-f', '/etc/haproxy/haproxy.cfg']);
  });

  it('refuses an unknown reload mode and a master-socket mode without its socket', () => {
    const unknown = haproxyConfigSchema.safeParse({ ...base, reload: { mode: 'restart' } });
    expect(unknown.error?.issues[0].path).toEqual(['reload', 'mode']);
    const noSocket = haproxyConfigSchema.safeParse({ ...base, reload: { mode: 'master-socket' } });
    expect(noSocket.error?.issues[0].path).toEqual(['reload', 'master_socket']);
  });
});
