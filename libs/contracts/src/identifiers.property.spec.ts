import { isIP } from 'node:net';
import fc from 'fast-check';
import { internalNameReason, isDnsName, isEmailAddress, isNumericLookingName, isSubjectAltName, isUri } from './identifiers';

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.domain(),
  fc.emailAddress(),
  fc.webUrl(),
  fc.ipV4Extended(),
);

describe('identifier predicates (property)', () => {
  it('ok/never throw on any string, and agree with each other', () => {
    fc.assert(
      fc.property(text, (s) => {
        const dns = isDnsName(s);
        isEmailAddress(s);
        isUri(s);
        const san = isSubjectAltName(s);
        isNumericLookingName(s);
        const reason = internalNameReason(s);
        expect(reason === null || typeof reason === 'string').toBe(true);
        if (dns && !/[\s]/.test(s)) expect(san).toBe(true);
        if (dns) expect(s.length).toBeLessThanOrEqual(253);
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
