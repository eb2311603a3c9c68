import { isDnsName, isSafeName, isSubjectAltName } from './identifiers';

describe('identifiers', () => {
  it.each(['example.com', '*.example.com', 'a-b.c.example.com', 'xn--mnchen-3ya.de', 'xn--80ak6aa92e.com'])('ok/%s is a DNS name', (n) => {
    expect(isDnsName(n)).toBe(true);
  });

  // Homoglyph (mixed-script or undecodable xn--) names are refused by the one DNS-name rule in
  // libs/pki (dns-name.spec.ts); here only the syntax the request shapes check.
  it.each([
    ['аpple.com', 'Cyrillic а in Unicode form'],
    ['*.*.example.com', 'two wildcards'],
    ['*.com', 'wildcard on a top-level domain'],
    ['-bad.example.com', 'leading hyphen'],
    ['a..example.com', 'empty label'],
    ['bad_name.example.com', 'underscore'],
  ])('fail/%s (%s)', (n) => {
    expect(isDnsName(n)).toBe(false);
  });

  it('fail/control characters, bidi overrides and zero-width characters are refused', () => {
    expect(isSubjectAltName('ex\u0000ample.com')).toBe(false);
    expect(isSafeName('invoice\u202egpj.exe')).toBe(false);
    expect(isSafeName('zero\u200bwidth')).toBe(false);
    expect(isSafeName('Shop API (prod)')).toBe(true);
  });
});
