import { domainToUnicode } from 'node:url';
import { isDnsName } from '@certctl/contracts';

/*
 * The one DNS-name rule of the platform, decided once for every user (REST shapes, ACME
 * identifiers, SANs the CA signs, name constraints):
 *
 *  - syntax (contracts' isDnsName, which the REST/RPC shapes check too): letters, digits and
 *    hyphens (LDH), labels of 1 to 63 without a leading or trailing hyphen, at most 253
 *    characters, one optional trailing dot, a `*` only as the whole leftmost label over at
 *    least two more; ASCII only, IDNs as xn-- A-labels. No underscores: RFC 5280 §4.2.1.6
 *    keeps dNSName to the preferred name syntax and the CA/Browser Forum forbids `_` in
 *    certificates, and the REST and ACME edges have always refused them;
 *  - no homoglyph spoof: an xn-- label must decode, and not mix Latin with Cyrillic, Greek or
 *    Armenian letters (see isMixedScriptIdn);
 *  - not a mistyped IP address: the last label is not all digits (`10.0.0.256`).
 *
 * Which names may be public (internalNameReason) and which a profile allows (checkSanRules)
 * are policies applied on top, by the callers that need them.
 */

export type DnsNameCheck = { ok: true; name: string } | { ok: false; problem: 'syntax' | 'mixed-script' | 'numeric' };

const SCRIPTS: [string, RegExp][] = [
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['armenian', /\p{Script=Armenian}/u],
];

/**
 * An IDN label (xn--) whose Unicode form mixes Latin with Cyrillic, Greek or Armenian
 * letters: the classic homoglyph spoof (xn--pple-43d is "аpple" with a Cyrillic а). A label
 * that does not decode counts as mixed (refused).
 */
export function isMixedScriptIdn(label: string): boolean {
  if (!label.startsWith('xn--')) return false;
  const unicode = domainToUnicode(label);
  if (!unicode || unicode === label) return true;
  return SCRIPTS.filter(([, script]) => script.test(unicode)).length > 1;
}

/** Checks `value` against the one DNS-name rule; the name comes back lowercased, without a trailing dot. */
export function checkDnsName(value: string): DnsNameCheck {
  const lower = value.toLowerCase();
  const name = lower.endsWith('.') ? lower.slice(0, -1) : lower;
  if (name.endsWith('.') || !isDnsName(name)) return { ok: false, problem: 'syntax' };
  const labels = name.split('.');
  if (labels.some(isMixedScriptIdn)) return { ok: false, problem: 'mixed-script' };
  // An all-numeric last label is a mistyped IP address ("10.0.0.256"), not a host name.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return { ok: false, problem: 'numeric' };
  return { ok: true, name };
}

/** The lowercased DNS name (optionally `*.`-wildcarded, trailing dot dropped), or null when it breaks the one rule. */
export function normalizeDnsName(value: string): string | null {
  const checked = checkDnsName(value);
  return checked.ok ? checked.name : null;
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

/**
 * Whether a DNS name, or the domain of an e-mail address, has a homoglyph IDN label: the part
 * of the one rule the REST shapes (syntax only) cannot check, so services that take names
 * over REST check it themselves.
 */
export function isSpoofedName(value: string): boolean {
  const host = value.includes('@') ? value.slice(value.lastIndexOf('@') + 1) : value;
  const checked = checkDnsName(host);
  return !checked.ok && checked.problem === 'mixed-script';
}
