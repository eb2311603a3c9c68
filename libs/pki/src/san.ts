import { normalizeDnsName } from './dns-name';
import { PkiError } from './errors';
import { canonicalIp } from './ip';
import { x509 } from './provider';

export type SanType = 'dns' | 'ip' | 'email' | 'uri';
export interface SubjectAltName {
  type: SanType;
  value: string;
}

const URI_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Classifies one SAN entry: a valid IPv4/IPv6 address → iPAddress; `scheme://...` → URI;
 * contains '@' → rfc822Name; otherwise a dNSName (lower-cased, wildcards allowed).
 * URIs are checked before e-mail so `https://user@host` stays a URI.
 * Throws PkiError('bad_san') for entries that are none of these.
 */
export function classifySan(raw: string): SubjectAltName {
  if (typeof raw !== 'string') throw new PkiError('bad_san', 'SAN entries must be strings');
  const s = raw.trim();
  if (!s) throw new PkiError('bad_san', 'empty SAN entry');
  const ip = canonicalIp(s);
  if (ip) return { type: 'ip', value: ip };
  if (!PRINTABLE_ASCII.test(s)) throw new PkiError('bad_san', `SAN "${s}" must be printable ASCII without spaces`);
  if (URI_SCHEME.test(s)) {
    if (!URL.canParse(s)) throw new PkiError('bad_san', `invalid URI SAN "${s}"`);
    return { type: 'uri', value: s };
  }
  if (s.includes('@')) {
    const at = s.lastIndexOf('@');
    const domain = normalizeDnsName(s.slice(at + 1));
    if (at === 0 || s.indexOf('@') !== at || !domain || domain.startsWith('*')) {
      throw new PkiError('bad_san', `invalid e-mail SAN "${s}"`);
    }
    return { type: 'email', value: `${s.slice(0, at)}@${domain}` };
  }
  const dns = normalizeDnsName(s);
  if (!dns) throw new PkiError('bad_san', `invalid DNS SAN "${s}"`);
  return { type: 'dns', value: dns };
}

/** Classifies and de-duplicates a SAN list, keeping first-seen order. */
export function classifySans(list: readonly string[]): SubjectAltName[] {
  if (!Array.isArray(list)) throw new PkiError('bad_san', 'sans must be an array of strings');
  const out: SubjectAltName[] = [];
  const seen = new Set<string>();
  for (const raw of list) {
    const san = classifySan(raw);
    const key = `${san.type}:${san.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(san);
    }
  }
  return out;
}

/**
 * The SAN implied by a subject common name: a DNS name when the CN looks like a host name
 * (a valid DNS name with a dot, or "localhost"), an IP address when it is one, else null.
 */
export function sanFromCommonName(cn: string): SubjectAltName | null {
  const ip = canonicalIp(cn.trim());
  if (ip) return { type: 'ip', value: ip };
  const dns = normalizeDnsName(cn.trim());
  if (dns && (dns.includes('.') || dns === 'localhost')) return { type: 'dns', value: dns };
  return null;
}

const JSON_TYPE: Record<SanType, x509.GeneralNameType> = { dns: 'dns', ip: 'ip', email: 'email', uri: 'url' };

/** A (non-critical) subjectAltName extension; callers must not pass an empty list. */
export function sanExtension(sans: readonly SubjectAltName[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(sans.map((s) => ({ type: JSON_TYPE[s.type], value: s.value })));
}

/** DNS/IP/e-mail/URI values of a SAN extension (other name forms are skipped). */
export function readSans(ext: x509.Extension | null): string[] {
  if (!ext) return [];
  const san = ext instanceof x509.SubjectAlternativeNameExtension ? ext : new x509.SubjectAlternativeNameExtension(ext.rawData);
  return san.names.items.filter((n) => n.type === 'dns' || n.type === 'ip' || n.type === 'email' || n.type === 'url').map((n) => n.value);
}
