import { dns01TxtValue, isValidToken, keyAuthorizationDigest, preview, trimHttp01Body } from './key-authorization';

describe('key authorization', () => {
  it('ok/the digest is SHA-256 of the UTF-8 key authorization; the dns-01 value its unpadded base64url', () => {
    // SHA-256("abc") from FIPS 180-2.
    expect(keyAuthorizationDigest('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(dns01TxtValue('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    expect(dns01TxtValue('token.thumbprint')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ok/only trailing ASCII whitespace is trimmed from an http-01 body', () => {
    expect(trimHttp01Body('tok.thumb\r\n \t')).toBe('tok.thumb');
    expect(trimHttp01Body(' tok.thumb')).toBe(' tok.thumb');
    expect(trimHttp01Body('tok.thumb\u00a0')).toBe('tok.thumb\u00a0');
  });

  it('ok/tokens are base64url only', () => {
    expect(isValidToken('evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA')).toBe(true);
    expect(isValidToken('../etc/passwd')).toBe(false);
    expect(isValidToken('')).toBe(false);
  });

  it('ok/previews are printable and cut', () => {
    expect(preview('a\nb')).toBe('a\\x0ab');
    expect(preview('x'.repeat(200), 10)).toBe('xxxxxxxxxx… (200 characters)');
  });
});
