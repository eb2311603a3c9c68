import fc from 'fast-check';
import { isDnsName, isEmailAddress, isSubjectAltName, isUri } from './identifiers';

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
        if (dns && !/[\s]/.test(s)) expect(san).toBe(true);
        if (dns) expect(s.length).toBeLessThanOrEqual(253);
      }),
      { numRuns: 2000 },
    );
  });
});
