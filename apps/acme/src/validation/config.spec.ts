import { loadConfig } from '@certctl/config';
import { isDnsServerAddress, validatorEnvSchema, validatorOptions } from './config';

describe('validator configuration', () => {
  it('ok/defaults: ports 80 and 443, system resolver, 10 s, 10 redirects, 64 KiB; private addresses only under NODE_ENV=test', () => {
    const env = loadConfig(validatorEnvSchema, {});
    expect(validatorOptions({ ...env, NODE_ENV: 'production' })).toEqual({
      http01Port: 80,
      tlsAlpn01Port: 443,
      dnsServer: undefined,
      allowPrivateAddresses: false,
      timeoutMs: 10000,
      maxRedirects: 10,
      maxBodyBytes: 65536,
    });
    expect(validatorOptions({ ...env, NODE_ENV: 'development' }).allowPrivateAddresses).toBe(false);
    expect(validatorOptions({ ...env, NODE_ENV: 'test' }).allowPrivateAddresses).toBe(true);
  });

  it('ok/every variable is read', () => {
    const env = loadConfig(validatorEnvSchema, {
      CERTCTL_ACME_HTTP01_PORT: '5002',
      CERTCTL_ACME_TLSALPN01_PORT: '5001',
      CERTCTL_ACME_DNS_SERVER: '127.0.0.1:8053',
      CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: 'false',
      CERTCTL_ACME_VALIDATION_TIMEOUT_MS: '3000',
      CERTCTL_ACME_HTTP01_MAX_REDIRECTS: '2',
      CERTCTL_ACME_HTTP01_MAX_BODY_BYTES: '1024',
    });
    expect(validatorOptions({ ...env, NODE_ENV: 'test' })).toEqual({
      http01Port: 5002,
      tlsAlpn01Port: 5001,
      dnsServer: '127.0.0.1:8053',
      allowPrivateAddresses: false,
      timeoutMs: 3000,
      maxRedirects: 2,
      maxBodyBytes: 1024,
    });
  });

  it('refused/a DNS server must be an address (Resolver.setServers takes no names)', () => {
    expect(isDnsServerAddress('10.0.0.53')).toBe(true);
    expect(isDnsServerAddress('10.0.0.53:5353')).toBe(true);
    expect(isDnsServerAddress('[fd00::53]:53')).toBe(true);
    expect(isDnsServerAddress('fd00::53')).toBe(true);
    expect(isDnsServerAddress('dns.example.com:53')).toBe(false);
    expect(isDnsServerAddress('10.0.0.53:99999')).toBe(false);
    expect(() => loadConfig(validatorEnvSchema, { CERTCTL_ACME_DNS_SERVER: 'resolver.local' })).toThrow(/CERTCTL_ACME_DNS_SERVER/);
    expect(() => loadConfig(validatorEnvSchema, { CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: 'yes' })).toThrow(/ALLOW_PRIVATE/);
  });
});
