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

/**
 * A name a resolver or browser would read as an IPv4 address (WHATWG URL host parsing: the
 * last label is a decimal or 0x-hex number), e.g. `127.1` or `0x7f.1`, but that is not the
 * canonical dotted quad: never a DNS name a certificate should carry.
 */
export function isNumericLookingName(value: string): boolean {
  const labels = value.toLowerCase().replace(/\.$/, '').split('.');
  return /^(\d+|0x[0-9a-f]*)$/.test(labels[labels.length - 1] ?? '');
}

/**
 * Top-level domains (and second-level ones under them) that are not, and never will be, public
 * DNS names with one owner: RFC 6761 special-use names (localhost, test, example, invalid),
 * RFC 6762 `local`, RFC 8375 `home.arpa` and all of `.arpa`, RFC 7686 `onion`, RFC 9476 `alt`,
 * ICANN's reserved `internal`, and the private suffixes ICANN will not delegate (corp, home,
 * mail) or that are common on internal networks (localdomain, lan, intranet, private).
 */
export const INTERNAL_NAME_SUFFIXES: readonly string[] = [
  'localhost',
  'localdomain',
  'local',
  'internal',
  'intranet',
  'private',
  'lan',
  'corp',
  'home',
  'mail',
  'test',
  'example',
  'invalid',
  'onion',
  'alt',
  'arpa',
];

/**
 * Why a DNS name (a leading `*.` is ignored) cannot be a public name, or null when it can:
 * a single label, a numeric-looking name, or a name under an internal suffix. Names like
 * `example.com` are public; `example` or `www.example` are not.
 */
export function internalNameReason(value: string): string | null {
  const name = value.toLowerCase().replace(/\.$/, '').replace(/^\*\./, '');
  const labels = name.split('.');
  if (isNumericLookingName(name)) return 'it looks like an IPv4 address but is not one';
  if (labels.length < 2) return 'it is a single label, not a fully qualified name';
  const tld = labels[labels.length - 1]!;
  if (INTERNAL_NAME_SUFFIXES.includes(tld)) return `.${tld} names are not public DNS names`;
  return null;
}
