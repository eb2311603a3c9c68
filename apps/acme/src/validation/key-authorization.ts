import { createHash } from 'node:crypto';

/** SHA-256 of the key authorization's UTF-8 bytes: the acmeIdentifier value of tls-alpn-01 (RFC 8737 §3). */
export function keyAuthorizationDigest(keyAuthorization: string): Buffer {
  return createHash('sha256').update(keyAuthorization, 'utf8').digest();
}

/** The TXT value a dns-01 challenge expects: base64url(SHA-256(keyAuthorization)), no padding (RFC 8555 §8.4). */
export function dns01TxtValue(keyAuthorization: string): string {
  return keyAuthorizationDigest(keyAuthorization).toString('base64url');
}

/** RFC 8555 §8.3: the http-01 body with trailing whitespace removed (only ASCII space, tab, CR, LF). */
export function trimHttp01Body(body: string): string {
  return body.replace(/[ \t\r\n]+$/, '');
}

/** base64url characters only, as every ACME token is (RFC 8555 §8.1). */
export function isValidToken(token: string): boolean {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{1,256}$/.test(token);
}

/** Text shown in a problem detail: printable, cut at `max` characters. */
export function preview(text: string, max = 128): string {
  const clean = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}… (${text.length} characters)` : clean;
}
