import { randomBytes } from 'node:crypto';
import { decodeGetRequest } from './public-routes';

describe('decodeGetRequest (RFC 6960 GET path segment)', () => {
  const der = Buffer.from('30433041303f303d300906052b0e03021a05000414', 'hex');

  it.each([
    ['ok/plain base64', der.toString('base64')],
    ['ok/url-encoded base64', encodeURIComponent(der.toString('base64'))],
    ['ok/base64url', der.toString('base64url')],
  ])('%s decodes to the DER', (_n, encoded) => {
    expect(decodeGetRequest(encoded).equals(der)).toBe(true);
  });

  it.each([
    ['fail/bad percent-encoding', '%ZZ%'],
    ['fail/not base64', '!!!$$$'],
    ['fail/too long', 'A'.repeat(20_000)],
    ['fail/empty', ''],
  ])('%s gives an empty buffer (→ malformedRequest), never throws', (_n, encoded) => {
    expect(decodeGetRequest(encoded)).toHaveLength(0);
  });

  it('fail/random text never throws', () => {
    for (let i = 0; i < 200; i++) {
      const s = randomBytes(1 + (i % 64)).toString('latin1');
      expect(() => decodeGetRequest(s)).not.toThrow();
    }
  });
});
