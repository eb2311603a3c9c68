import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS name (optionally with one leading wildcard label), ASCII only (IDNs as xn--). */
export function isDnsName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const labels = name.toLowerCase().split('.');
  if (labels.length < 1) return false;
  return labels.every((l, i) => (i === 0 && l === '*' && labels.length > 2) || (LABEL.test(l) && !isMixedScriptIdn(l)));
}

const SCRIPTS: [string, RegExp][] = [
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['armenian', /\p{Script=Armenian}/u],
];

/**
 * An IDN label (xn--) whose Unicode form mixes Latin with Cyrillic, Greek or Armenian
 * letters: the classic homoglyph spoof (xn--pple-43d is "аpple" with a Cyrillic а).
 */
export function isMixedScriptIdn(label: string): boolean {
  if (!label.startsWith('xn--')) return false;
  const unicode = domainToUnicode(label);
  if (!unicode || unicode === label) return true; // not decodable: refuse
  return SCRIPTS.filter(([, re]) => re.test(unicode)).length > 1;
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
