import fc from 'fast-check';
import { isNumericLookingName, normalizeDnsName } from '@certctl/pki';
import { AcmeError } from './errors';
import { canonicalIp, parseIdentifiers } from './identifiers';

function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AcmeError) return err;
    throw err;
  }
}

const identifierArb = fc.oneof(
  fc.record({ type: fc.constantFrom('dns', 'ip'), value: fc.oneof(fc.string(), fc.domain(), fc.ipV4Extended(), fc.ipV6()) }),
  fc.record({ type: fc.constantFrom('dns', 'ip', 'email', ''), value: fc.string({ unit: 'binary', maxLength: 300 }) }),
  fc.anything(),
);

describe('ACME identifier parsing (property)', () => {
  it('ok/anything as the identifiers: a list or an AcmeError, with or without internal names', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(identifierArb, { maxLength: 8 }), fc.anything()), fc.boolean(), (raw, allowInternalNames) => {
        const out = outcome(() => parseIdentifiers(raw, { allowInternalNames }));
        if (out instanceof AcmeError) {
          expect(['malformed', 'rejectedIdentifier', 'unsupportedIdentifier']).toContain(out.type);
          return;
        }
        for (const id of out as { type: string; value: string }[]) {
          if (id.type === 'dns') expect(normalizeDnsName(id.value) === id.value && !isNumericLookingName(id.value)).toBe(true);
          else expect(canonicalIp(id.value)).toBe(id.value);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('ok/DNS names round-trip lowercased, once; numeric-looking ones are always refused', () => {
    fc.assert(
      fc.property(fc.domain(), fc.boolean(), (name, upper) => {
        const value = upper ? name.toUpperCase() : name;
        const out = outcome(() =>
          parseIdentifiers(
            [
              { type: 'dns', value },
              { type: 'dns', value: name },
            ],
            { allowInternalNames: true },
          ),
        );
        if (isNumericLookingName(name) || normalizeDnsName(name) === null) expect(out).toBeInstanceOf(AcmeError);
        else expect(out).toEqual([{ type: 'dns', value: name.toLowerCase() }]);
      }),
      { numRuns: 500 },
    );
  });

  it('ok/IP addresses round-trip canonical; the canonical form is a fixed point', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const canonical = canonicalIp(ip);
        expect(canonical).not.toBeNull();
        expect(canonicalIp(canonical!)).toBe(canonical);
        const out = outcome(() => parseIdentifiers([{ type: 'ip', value: ip }], { allowInternalNames: true }));
        // only unspecified, multicast and reserved addresses are refused when internal names are allowed
        if (out instanceof AcmeError) expect(out.type).toBe('rejectedIdentifier');
        else expect(out).toEqual([{ type: 'ip', value: canonical }]);
      }),
      { numRuns: 500 },
    );
  });
});
