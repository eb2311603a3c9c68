import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { FlattenedSign, exportJWK } from 'jose';
import { AcmeError } from './errors';
import { parseJws, payloadJson, verifyJws } from './jws';

/** Runs `fn`; anything thrown must be an AcmeError (the typed error the HTTP edge turns into a problem document). */
function onlyAcmeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof AcmeError)) throw err;
  }
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const headerArb = fc.record(
  {
    alg: fc.oneof(fc.constantFrom('ES256', 'RS256', 'ES384', 'EdDSA', 'none', 'HS256'), fc.anything()),
    url: fc.oneof(fc.webUrl(), fc.anything()),
    nonce: fc.oneof(fc.string(), fc.anything()),
    jwk: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.anything()),
    kid: fc.oneof(fc.webUrl(), fc.anything()),
  },
  { requiredKeys: [] },
);

describe('JWS parsing (property)', () => {
  it('ok/any JSON value as the body: a ParsedJws or an AcmeError, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => onlyAcmeErrors(() => parseJws(body))),
      { numRuns: 500 },
    );
  });

  it('ok/flattened JWS objects with arbitrary protected headers and parts: a ParsedJws or an AcmeError', () => {
    const part = fc.oneof(
      fc.base64String().map((s) => s.replace(/=+$/, '')),
      fc.string(),
      fc.anything(),
    );
    fc.assert(
      fc.property(
        fc.oneof(headerArb.map(b64), fc.string().map(b64), fc.jsonValue().map(b64), part),
        part,
        part,
        fc.option(fc.tuple(fc.constantFrom('header', 'signatures', 'x', '__proto__'), fc.anything()), { nil: undefined }),
        (protectedPart, payload, signature, extra) => {
          const body: Record<string, unknown> = { protected: protectedPart, payload, signature };
          if (extra) Object.defineProperty(body, extra[0], { value: extra[1], enumerable: true });
          onlyAcmeErrors(() => {
            const parsed = parseJws(body);
            // what it accepted is what RFC 8555 §6.2 asks for
            expect(['RS256', 'ES256', 'ES384', 'EdDSA']).toContain(parsed.header.alg);
            expect(typeof parsed.header.url).toBe('string');
            expect((parsed.header.jwk === undefined) !== (parsed.header.kid === undefined)).toBe(true);
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('ok/any payload bytes: JSON, undefined (empty) or an AcmeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => onlyAcmeErrors(() => payloadJson(bytes))),
      { numRuns: 500 },
    );
  });

  it('ok/a signed JWS round-trips (header and payload); any mutation of its signature or payload is an AcmeError', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const jwk = await exportJWK(key);
    delete jwk.d;
    await fc.assert(
      fc.asyncProperty(
        fc.webUrl(),
        fc.string({ maxLength: 40 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (url, nonce, payload, at, flip) => {
          const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload)))
            .setProtectedHeader({ alg: 'ES256', url, nonce, jwk } as never)
            .sign(key);
          const parsed = parseJws(JSON.parse(JSON.stringify(jws)));
          expect(parsed.header).toMatchObject({ alg: 'ES256', url, nonce, jwk });
          expect(payloadJson(await verifyJws(parsed, jwk))).toEqual(JSON.parse(JSON.stringify(payload)));
          for (const field of ['signature', 'payload'] as const) {
            const bytes = Buffer.from(jws[field] as string, 'base64url');
            if (bytes.length === 0) continue;
            bytes[at % bytes.length]! ^= flip;
            const mutated = { ...jws, [field]: bytes.toString('base64url') };
            await expect(verifyJws(parseJws(mutated), jwk)).rejects.toBeInstanceOf(AcmeError);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
