import fc from 'fast-check';
import { OCSP_MAX_REQUEST_BYTES } from '@certctl/pki';
import { decodeGetRequest } from './public-routes';

describe('OCSP GET path decoding (property)', () => {
  it('ok/any path text decodes to bytes (empty when not base64), never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.webPath()), (s) => {
        const out = decodeGetRequest(s);
        expect(Buffer.isBuffer(out)).toBe(true);
        expect(out.length).toBeLessThanOrEqual(OCSP_MAX_REQUEST_BYTES * 2);
      }),
      { numRuns: 1000 },
    );
  });

  it('ok/bytes round-trip through base64, base64url and their percent-encodings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(decodeGetRequest(b.toString('base64url'))).toEqual(b);
        expect(decodeGetRequest(encodeURIComponent(b.toString('base64')))).toEqual(b);
        expect(decodeGetRequest(b.toString('base64'))).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });
});
