import { isIP } from 'node:net';
import fc from 'fast-check';
import { checkDnsName, internalNameReason, isMixedScriptIdn, isNumericLookingName, isSpoofedName, normalizeDnsName } from './dns-name';

describe('the one DNS-name rule', () => {
  it.each([
    ['example.com', 'example.com'],
    ['API.Example.COM', 'api.example.com'],
    ['example.com.', 'example.com'],
    ['*.Example.com', '*.example.com'],
    ['a-b.c.example.com', 'a-b.c.example.com'],
    ['localhost', 'localhost'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['xn--80ak6aa92e.com', 'xn--80ak6aa92e.com'],
    [`${'a'.repeat(63)}.example.com`, `${'a'.repeat(63)}.example.com`],
  ])('ok/%s', (input, want) => {
    expect(normalizeDnsName(input)).toBe(want);
    expect(checkDnsName(input)).toEqual({ ok: true, name: want });
  });

  it.each([
    ['', 'syntax'],
    ['.', 'syntax'],
    ['example.com..', 'syntax'],
    ['аpple.com', 'syntax'], // Cyrillic а in Unicode form: ASCII only
    ['bücher.example', 'syntax'],
    ['_acme-challenge.example.com', 'syntax'], // no underscores (RFC 5280 preferred name syntax, CA/B Forum)
    ['bad_name.example.test', 'syntax'],
    ['*.*.example.com', 'syntax'],
    ['*.com', 'syntax'],
    ['www.*.example.com', 'syntax'],
    ['w*.example.com', 'syntax'],
    ['-bad.example.com', 'syntax'],
    ['bad-.example.com', 'syntax'],
    ['a..example.com', 'syntax'],
    [`${'a'.repeat(64)}.example.com`, 'syntax'],
    [`${'a.'.repeat(126)}com`, 'syntax'],
    ['my host.example.com', 'syntax'],
    ['xn--pple-43d.com', 'mixed-script'], // Latin and Cyrillic mixed behind punycode
    ['xn--ggle-55da.com', 'mixed-script'], // Latin and Cyrillic о
    ['xn--zz.com', 'mixed-script'], // undecodable punycode
    ['10.0.0.256', 'numeric'],
    ['www.123', 'numeric'],
  ])('fail/%s (%s)', (input, problem) => {
    expect(normalizeDnsName(input)).toBeNull();
    expect(checkDnsName(input)).toEqual({ ok: false, problem });
  });

  it('ok/a single-script IDN is fine, a mixed one is not', () => {
    expect(isMixedScriptIdn('xn--80ak6aa92e')).toBe(false); // all Cyrillic
    expect(isMixedScriptIdn('xn--pple-43d')).toBe(true);
    expect(isMixedScriptIdn('example')).toBe(false);
  });

  it('ok/isSpoofedName finds homoglyph names and e-mail domains, nothing else', () => {
    expect(isSpoofedName('xn--pple-43d.com')).toBe(true);
    expect(isSpoofedName('ops@xn--pple-43d.com')).toBe(true);
    expect(isSpoofedName('www.example.com')).toBe(false);
    expect(isSpoofedName('10.0.0.1')).toBe(false);
    expect(isSpoofedName('https://bob@xn--pple-43d.com/path')).toBe(false); // a URI, not a host name
    expect(isSpoofedName('bad_name.example.com')).toBe(false); // refused by the request shapes already
  });

  it('ok/numeric-looking names and internal suffixes are not public', () => {
    expect(isNumericLookingName('127.1')).toBe(true);
    expect(isNumericLookingName('0x7f.1')).toBe(true);
    expect(isNumericLookingName('foo.0x1f')).toBe(true);
    expect(isNumericLookingName('example.com')).toBe(false);
    expect(internalNameReason('127.1')).toMatch(/IPv4/);
    expect(internalNameReason('example')).toMatch(/single label/);
    expect(internalNameReason('*.www.corp')).toBe('.corp names are not public DNS names');
    expect(internalNameReason('printer.local.')).toBe('.local names are not public DNS names');
    expect(internalNameReason('example.com')).toBeNull();
  });
});

describe('DNS-name policy (property)', () => {
  it('ok/never throws; a valid name is a fixed point and agrees with the syntax', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.domain(), fc.ipV4Extended()), (s) => {
        const name = normalizeDnsName(s);
        const reason = internalNameReason(s);
        expect(reason === null || typeof reason === 'string').toBe(true);
        if (name !== null) {
          expect(normalizeDnsName(name)).toBe(name);
          expect(name.length).toBeLessThanOrEqual(253);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('ok/a name that looks like an IPv4 address but is not one is internal; generated public domains under a real TLD are not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 3 }), (n, parts) => {
        const name = parts === 1 ? String(n) : `${n >>> 24}.${n & 0xffffff}`;
        if (isIP(name)) return;
        expect(isNumericLookingName(name)).toBe(true);
        expect(internalNameReason(name)).toMatch(/IPv4/);
      }),
    );
    fc.assert(
      fc.property(fc.domain(), fc.constantFrom('com', 'org', 'net', 'io', 'de'), (d, tld) => {
        const name = `${d.replace(/\.[^.]+$/, '')}.${tld}`;
        expect(internalNameReason(name)).toBeNull();
      }),
    );
  });
});
