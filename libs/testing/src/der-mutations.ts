import fc from 'fast-check';

/** One change to DER bytes: a bit flip, a truncation, or bytes inserted at a position. */
export type DerMutation =
  { kind: 'flip'; at: number; bits: number } | { kind: 'cut'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };

/** Arbitrary lists of DER mutations, for property tests of parsers that must only ever throw their typed error. */
export function derMutations(maxLength: number): fc.Arbitrary<DerMutation[]> {
  return fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    ),
    { minLength: 1, maxLength },
  );
}

/** The bytes after applying the mutations in order (positions wrap around the current length). */
export function applyDerMutations(input: Buffer, mutations: readonly DerMutation[]): Buffer {
  let der = Buffer.from(input);
  for (const m of mutations) {
    const at = m.at % (der.length + 1);
    if (m.kind === 'flip' && der.length) der[at % der.length]! ^= m.bits;
    else if (m.kind === 'cut') der = der.subarray(0, at);
    else if (m.kind === 'insert') der = Buffer.concat([der.subarray(0, at), m.bytes, der.subarray(at)]);
  }
  return der;
}
