import { acmeTlsAlpnCertificate } from '@certctl/testing';
import { checkTlsAlpnCertificate } from './tls-alpn01';

const ka = 'tok.thumbprint';

describe('tls-alpn-01 certificate check', () => {
  it('ok/a certificate with the one SAN and the critical acmeIdentifier passes (DNS and IP identifiers)', async () => {
    const dns = await acmeTlsAlpnCertificate({ host: 'www.example.com', keyAuthorization: ka });
    expect(checkTlsAlpnCertificate(dns.der, { type: 'dns', value: 'WWW.example.com' }, ka)).toBeNull();
    const v6 = await acmeTlsAlpnCertificate({ host: '2001:db8::1', keyAuthorization: ka });
    expect(checkTlsAlpnCertificate(v6.der, { type: 'ip', value: '2001:0db8:0:0::1' }, ka)).toBeNull();
    const v4 = await acmeTlsAlpnCertificate({ host: '192.0.2.1', keyAuthorization: ka });
    expect(checkTlsAlpnCertificate(v4.der, { type: 'ip', value: '192.0.2.1' }, ka)).toBeNull();
  });

  it('refused/the SAN must be exactly the identifier', async () => {
    const two = await acmeTlsAlpnCertificate({ host: 'www.example.com', keyAuthorization: ka, extraSans: ['other.example.com'] });
    expect(checkTlsAlpnCertificate(two.der, { type: 'dns', value: 'www.example.com' }, ka)).toEqual({
      type: 'unauthorized',
      detail:
        'the certificate must name exactly dns:www.example.com in subjectAltName; it names dns:www.example.com, dns:other.example.com',
    });
    const v4 = await acmeTlsAlpnCertificate({ host: '192.0.2.1', keyAuthorization: ka });
    expect(checkTlsAlpnCertificate(v4.der, { type: 'dns', value: '192.0.2.1' }, ka)?.type).toBe('unauthorized');
    expect(checkTlsAlpnCertificate(v4.der, { type: 'ip', value: '192.0.2.2' }, ka)?.detail).toContain('it names ip:192.0.2.1');
  });

  it('refused/missing, non-critical or wrong acmeIdentifier', async () => {
    const id = { type: 'dns' as const, value: 'a.example.com' };
    const missing = await acmeTlsAlpnCertificate({ host: id.value, keyAuthorization: ka, omitAcmeIdentifier: true });
    expect(checkTlsAlpnCertificate(missing.der, id, ka)).toEqual({
      type: 'unauthorized',
      detail: 'the certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)',
    });
    const lax = await acmeTlsAlpnCertificate({ host: id.value, keyAuthorization: ka, critical: false });
    expect(checkTlsAlpnCertificate(lax.der, id, ka)).toEqual({
      type: 'unauthorized',
      detail: 'the acmeIdentifier extension is not marked critical',
    });
    const short = await acmeTlsAlpnCertificate({ host: id.value, keyAuthorization: ka, digest: Buffer.alloc(16) });
    expect(checkTlsAlpnCertificate(short.der, id, ka)?.detail).toMatch(/not a DER OCTET STRING of 32 bytes/);
    const other = await acmeTlsAlpnCertificate({ host: id.value, keyAuthorization: 'other.key' });
    expect(checkTlsAlpnCertificate(other.der, id, ka)?.type).toBe('incorrectResponse');
  });

  it('refused/bytes that are no certificate', () => {
    expect(checkTlsAlpnCertificate(Buffer.from('not DER'), { type: 'dns', value: 'a.example.com' }, ka)?.type).toBe('tls');
  });
});
