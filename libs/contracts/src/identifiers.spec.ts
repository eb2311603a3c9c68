import { isDnsName, isMixedScriptIdn, isSafeName, isSubjectAltName } from './identifiers';

describe('identifiers', () => {
  it.each(['example.com', '*.example.com', 'a-b.c.example.com', 'xn--mnchen-3ya.de', 'xn--80ak6aa92e.com'])('ok/%s is a DNS name', (n) => {
    expect(isDnsName(n)).toBe(true);
  });

  it.each([
    ['аpple.com', 'Cyrillic а in Unicode form'],
    ['xn--pple-43d.com', 'Latin and Cyrillic mixed behind punycode'],
    ['xn--ggle-55da.com', 'Latin and Cyrillic о'],
    ['*.*.example.com', 'two wildcards'],
    ['*.com', 'wildcard on a top-level domain'],
    ['-bad.example.com', 'leading hyphen'],
    ['a..example.com', 'empty label'],
    ['xn--zz.com', 'undecodable punycode'],
  ])('fail/%s (%s)', (n) => {
    expect(isDnsName(n)).toBe(false);
  });

  it('a single-script IDN is fine, a mixed one is not', () => {
    expect(isMixedScriptIdn('xn--80ak6aa92e')).toBe(false); // all Cyrillic
    expect(isMixedScriptIdn('xn--pple-43d')).toBe(true);
  });

  it('fail/control characters, bidi overrides and zero-width characters are refused', () => {
    expect(isSubjectAltName('ex\u0000ample.com')).toBe(false);
    expect(isSafeName('invoice\u202egpj.exe')).toBe(false);
    expect(isSafeName('zero\u200bwidth')).toBe(false);
    expect(isSafeName('Shop API (prod)')).toBe(true);
  });
});
