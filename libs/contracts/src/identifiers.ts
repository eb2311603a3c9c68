import { isIP } from 'node:net';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The syntax of a DNS name, as the request shapes check it: LDH labels (no underscores) of 1 to
 * 63, at most 253 characters, one optional trailing dot, `*` only as the whole leftmost label
 * over at least two more, ASCII only (IDNs as xn--). The platform's one DNS-name rule adds
 * the homoglyph and numeric checks on top: normalizeDnsName in libs/pki (dns-name.ts).
 */
export function isDnsName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const labels = name.toLowerCase().split('.');
  return labels.every((label, i) => (i === 0 && label === '*' && labels.length > 2) || LABEL.test(label));
}

export function isEmailAddress(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at < 1 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  return /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/.test(local) && isDnsName(value.slice(at + 1)) && !value.includes('*');
}

export function isUri(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** A subject alternative name: DNS name, IP address, email address or URI. */
export function isSubjectAltName(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\s]/.test(value)) return false;
  return isIP(value) !== 0 || isEmailAddress(value) || isUri(value) || isDnsName(value);
}

/** Printable, no control characters; for human names of resources. */
export function isSafeName(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return value.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/.test(value);
}
