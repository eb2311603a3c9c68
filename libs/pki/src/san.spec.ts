import { PkiError } from './errors';
import { classifySan, classifySans, sanFromCommonName, type SubjectAltName } from './san';

describe('classifySan', () => {
  it.each<[string, string, SubjectAltName]>([
    ['ok/ipv4', '10.0.0.1', { type: 'ip', value: '10.0.0.1' }],
    ['ok/ipv6 compressed', '2001:db8::1', { type: 'ip', value: '2001:db8::1' }],
    ['ok/ipv6 full form is canonicalized', '2001:0DB8:0000:0000:0000:0000:0000:0001', { type: 'ip', value: '2001:db8::1' }],
    ['ok/ipv6 loopback', '::1', { type: 'ip', value: '::1' }],
    ['ok/ipv4-mapped ipv6', '::ffff:192.0.2.1', { type: 'ip', value: '::ffff:c000:201' }],
    ['ok/bracketed ipv6 (URL host form)', '[2001:DB8::1]', { type: 'ip', value: '2001:db8::1' }],
    ['ok/email (domain lower-cased)', 'Alice.Smith@Example.COM', { type: 'email', value: 'Alice.Smith@example.com' }],
    ['ok/spiffe URI', 'spiffe://cluster.local/ns/prod/sa/api', { type: 'uri', value: 'spiffe://cluster.local/ns/prod/sa/api' }],
    ['ok/https URI with userinfo stays a URI', 'https://bob@example.com/path', { type: 'uri', value: 'https://bob@example.com/path' }],
    ['ok/dns lower-cased', 'API.Example.com', { type: 'dns', value: 'api.example.com' }],
    ['ok/dns trailing dot removed', 'example.com.', { type: 'dns', value: 'example.com' }],
    ['ok/dns wildcard', '*.Example.com', { type: 'dns', value: '*.example.com' }],
    ['ok/single-label dns', 'localhost', { type: 'dns', value: 'localhost' }],
    ['ok/surrounding whitespace trimmed', '  web.example.com ', { type: 'dns', value: 'web.example.com' }],
  ])('%s', (_name, input, expected) => {
    expect(classifySan(input)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['fail/empty', ''],
    ['fail/blank', '   '],
    ['fail/not a string', 42],
    ['fail/space inside', 'my host.example.com'],
    ['fail/wildcard not leftmost', 'www.*.example.com'],
    ['fail/partial wildcard', 'w*.example.com'],
    ['fail/wildcard over a TLD', '*.com'],
    ['fail/label too long', `${'a'.repeat(64)}.example.com`],
    ['fail/leading hyphen', '-bad.example.com'],
    ['fail/empty label', 'a..example.com'],
    ['fail/out-of-range IPv4 is not a DNS name', '10.0.0.256'],
    ['fail/IPv6 zone id', 'fe80::1%eth0'],
    ['fail/non-ASCII', 'bücher.example'],
    // One DNS-name rule (libs/pki/src/dns-name.ts): no underscores, no homoglyph IDNs.
    ['fail/underscore label', '_acme-challenge.example.com'],
    ['fail/mixed-script IDN', 'xn--pple-43d.com'],
    ['fail/bracketed address that is not one', '[example.com]'],
    ['fail/two @', 'a@b@example.com'],
    ['fail/empty local part', '@example.com'],
    ['fail/email with bad domain', 'a@exa mple.com'],
    ['fail/invalid URI', 'http://[::1'],
  ])('%s: PkiError(bad_san)', (_name, input) => {
    let err: unknown;
    try {
      classifySan(input as string);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).code).toBe('bad_san');
  });

  it('ok/classifySans de-duplicates after normalization, keeping order', () => {
    expect(classifySans(['B.example.com', '10.0.0.1', 'b.example.com', '2001:DB8::1', '2001:db8:0::1'])).toEqual([
      { type: 'dns', value: 'b.example.com' },
      { type: 'ip', value: '10.0.0.1' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
  });
});

describe('sanFromCommonName', () => {
  it.each<[string, string, SubjectAltName | null]>([
    ['ok/hostname', 'WWW.Example.com', { type: 'dns', value: 'www.example.com' }],
    ['ok/wildcard', '*.example.com', { type: 'dns', value: '*.example.com' }],
    ['ok/localhost', 'localhost', { type: 'dns', value: 'localhost' }],
    ['ok/ip', '10.1.2.3', { type: 'ip', value: '10.1.2.3' }],
    ['ok/person name is not a host', 'Alice Smith', null],
    ['ok/single word is not a host', 'buildagent', null],
    ['ok/email is not a host', 'a@example.com', null],
  ])('%s', (_name, cn, expected) => {
    expect(sanFromCommonName(cn)).toEqual(expected);
  });
});
