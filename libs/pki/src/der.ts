// A minimal DER writer for the structures this library builds in bulk (CRLs), where a
// generic ASN.1 object model is too slow for 100,000 entries.
import { PkiError, type PkiErrorCode } from './errors';

function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given tag byte around the concatenated parts. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  return tlvOf(tag, parts);
}

/** Like tlv() for a (possibly very long) array of parts. */
export function tlvOf(tag: number, parts: readonly Uint8Array[]): Buffer {
  const content = parts.length === 1 ? Buffer.from(parts[0] as Uint8Array) : Buffer.concat(parts as Uint8Array[]);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length), content]);
}

export const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, ...parts);

/** INTEGER from a lowercase hex magnitude (non-negative). */
export function intFromHex(hex: string): Buffer {
  if (!/^[0-9a-f]+$/.test(hex)) throw new PkiError('invalid_request', `bad hex integer "${hex}"`);
  let h = hex.length % 2 ? `0${hex}` : hex;
  while (h.length > 2 && h.startsWith('00') && parseInt(h.slice(2, 4), 16) < 0x80) h = h.slice(2);
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`;
  return tlv(0x02, Buffer.from(h, 'hex'));
}

export function intFromBigInt(n: bigint): Buffer {
  if (n < 0n) throw new PkiError('invalid_request', 'integer must be non-negative');
  return intFromHex(n.toString(16));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Z. */
export function time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(`${pad(y % 100)}${rest}`, 'ascii'));
  return tlv(0x18, Buffer.from(`${pad(y, 4)}${rest}`, 'ascii'));
}

/** ECDSA signature: WebCrypto's raw r||s to DER Ecdsa-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Buffer {
  const half = raw.length / 2;
  const r = Buffer.from(raw.subarray(0, half)).toString('hex');
  const s = Buffer.from(raw.subarray(half)).toString('hex');
  return seq(intFromHex(r.replace(/^(00)+(?=.)/, '') || '00'), intFromHex(s.replace(/^(00)+(?=.)/, '') || '00'));
}

/** BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array): Buffer => tlv(0x03, Buffer.from([0]), bytes);

/** GeneralizedTime, whole seconds, Z (what OCSP uses for every time). */
export function generalizedTime(d: Date): Buffer {
  const s = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(0x18, Buffer.from(s, 'ascii'));
}

/**
 * The byte length of the first TLV of `der` (tag, length octets and contents), or null when
 * its header is not DER (truncated, indefinite or over-long length, or a multi-byte tag).
 */
export function firstTlvLength(der: Uint8Array): number | null {
  if (der.length < 2 || (der[0]! & 0x1f) === 0x1f) return null;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return null; // indefinite length is BER, not DER; 4 length octets is plenty
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + der[2 + i]!;
  if (len < 0x80 || der[2] === 0) return null; // not the shortest length encoding
  return 2 + n + len;
}

/** Refuses anything but exactly one DER element: bytes after it (or a truncated one) are `code`. */
export function assertSingleDer(der: Uint8Array, code: PkiErrorCode, what: string): void {
  const len = firstTlvLength(der);
  if (len === null || len > der.length) throw new PkiError(code, `${what} is not one complete DER element`);
  if (len < der.length) throw new PkiError(code, `${what} has ${der.length - len} trailing byte(s) after its DER encoding`);
}
