import { randomBytes } from 'node:crypto';

/**
 * A random 128-bit certificate serial number as 32 lowercase hex chars.
 * The top bit is cleared so the DER INTEGER is positive, and the first byte is never
 * zero, so the value is never all-zero and its DER encoding is minimal (no padding
 * byte), i.e. what is written into the certificate is exactly this string.
 */
export function randomSerialHex(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[0] = (bytes[0] as number) & 0x7f;
    if (bytes[0] !== 0) return bytes.toString('hex');
  }
}

/** Canonical form of a hex serial read from a certificate: lowercase, no leading zero bytes. */
export function normalizeSerialHex(hex: string): string {
  let s = hex.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (s.length % 2 === 1) s = `0${s}`;
  while (s.length > 2 && s.startsWith('00')) s = s.slice(2);
  return s;
}
