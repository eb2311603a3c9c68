// RFC 5280 §4.2.1.10 name constraints: building the extension for a CA we create, reading
// it back from any CA certificate (ours or imported), and enforcing it when we sign.
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import { PkiError } from './errors';
import { x509 } from './provider';
import { applyMask, cidrText, ipBytes, parseCidr } from './cidr';
import { normalizeDnsName } from './dns-name';
import { canonicalIp } from './ip';
import type { SubjectAltName } from './san';

/** Permitted and excluded subtrees per name form. Absent or empty lists constrain nothing. */
export interface NameConstraintsSpec {
  permittedDns?: string[];
  excludedDns?: string[];
  /** CIDR blocks, IPv4 or IPv6 (`10.0.0.0/8`, `2001:db8::/32`). */
  permittedIp?: string[];
  excludedIp?: string[];
  /** `user@host` (one mailbox), `host` (every mailbox on that host) or `.domain` (mailboxes on hosts below it). */
  permittedEmail?: string[];
  excludedEmail?: string[];
}

type Form = 'dns' | 'ip' | 'email';
const FORMS: readonly Form[] = ['dns', 'ip', 'email'];
const KEYS: Record<Form, { permitted: keyof NameConstraintsSpec; excluded: keyof NameConstraintsSpec; asn: keyof GeneralName }> = {
  dns: { permitted: 'permittedDns', excluded: 'excludedDns', asn: 'dNSName' },
  ip: { permitted: 'permittedIp', excluded: 'excludedIp', asn: 'iPAddress' },
  email: { permitted: 'permittedEmail', excluded: 'excludedEmail', asn: 'rfc822Name' },
};
const FORM_LABEL: Record<Form, string> = { dns: 'dNSName', ip: 'iPAddress', email: 'rfc822Name' };

/** One CA's constraints as read from its certificate. */
export interface CaNameConstraints {
  /** Subject DN of the CA that carries them, for error messages. */
  ca: string;
  spec: Required<NameConstraintsSpec>;
  /** Constrained name forms this library cannot check (directoryName, URI, ...). */
  unsupported: string[];
}

// ───────────── normalizing what an operator gives ─────────────

function normalizeDnsBase(raw: string): string | null {
  const s = raw.trim().toLowerCase();
  const dot = s.startsWith('.');
  const name = normalizeDnsName(dot ? s.slice(1) : s);
  if (!name || name.startsWith('*')) return null;
  return dot ? `.${name}` : name;
}

function normalizeEmailBase(raw: string): string | null {
  const s = raw.trim();
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    const domain = normalizeDnsName(s.slice(at + 1));
    if (at === 0 || s.indexOf('@') !== at || !domain || domain.startsWith('*') || !/^[\x21-\x7e]+$/.test(s)) return null;
    return `${s.slice(0, at)}@${domain}`;
  }
  return normalizeDnsBase(s);
}

const NORMALIZE: Record<Form, (raw: string) => string | null> = {
  dns: normalizeDnsBase,
  ip: (raw) => {
    const c = parseCidr(raw);
    return c ? cidrText(c) : null;
  },
  email: normalizeEmailBase,
};

const HINT: Record<Form, string> = {
  dns: 'a DNS name such as example.com or .example.com',
  ip: 'a CIDR block such as 10.0.0.0/8 or 2001:db8::/32',
  email: 'user@host, host or .domain',
};

/**
 * Validates and canonicalizes a spec (lower-case names, CIDRs with host bits cleared);
 * PkiError('bad_name_constraints') naming the first bad entry, e.g. `permittedIp[1]`.
 */
export function normalizeNameConstraints(spec: NameConstraintsSpec): Required<NameConstraintsSpec> {
  const out = {} as Required<NameConstraintsSpec>;
  for (const form of FORMS) {
    for (const key of [KEYS[form].permitted, KEYS[form].excluded]) {
      const list = spec[key] ?? [];
      if (!Array.isArray(list)) throw new PkiError('bad_name_constraints', `${key} must be an array`);
      out[key] = [
        ...new Set(
          list.map((raw, i) => {
            const v = typeof raw === 'string' ? NORMALIZE[form](raw) : null;
            if (!v) throw new PkiError('bad_name_constraints', `${key}[${i}]: "${String(raw)}" is not ${HINT[form]}`);
            return v;
          }),
        ),
      ];
    }
  }
  return out;
}

export function isEmptyNameConstraints(spec: NameConstraintsSpec): boolean {
  return FORMS.every((f) => !spec[KEYS[f].permitted]?.length && !spec[KEYS[f].excluded]?.length);
}

// ───────────── the extension ─────────────

/** The critical NameConstraints extension for a (normalized) spec; null when it constrains nothing. */
export function nameConstraintsExtension(spec: Required<NameConstraintsSpec>): x509.Extension | null {
  if (isEmptyNameConstraints(spec)) return null;
  const subtrees = (which: 'permitted' | 'excluded') => {
    const items = FORMS.flatMap((form) =>
      spec[KEYS[form][which]].map((v) => new GeneralSubtree({ base: new GeneralName({ [KEYS[form].asn]: v }) })),
    );
    return items.length ? new GeneralSubtrees(items) : undefined;
  };
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: subtrees('permitted'), excludedSubtrees: subtrees('excluded') }),
  );
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

const constraintCache = new WeakMap<x509.X509Certificate, CaNameConstraints | null>();

/** The name constraints a CA certificate carries, or null when it has none. */
export function readNameConstraints(cert: x509.X509Certificate): CaNameConstraints | null {
  if (constraintCache.has(cert)) return constraintCache.get(cert) ?? null;
  const ext = cert.getExtension(id_ce_nameConstraints);
  let result: CaNameConstraints | null = null;
  if (ext) {
    let nc: NameConstraints;
    try {
      nc = AsnConvert.parse(ext.value, NameConstraints);
    } catch (err) {
      throw new PkiError('bad_certificate', `cannot parse the name constraints of "${cert.subject}": ${(err as Error).message}`);
    }
    const spec = normalizeNameConstraints({});
    const unsupported = new Set<string>();
    const collect = (subtrees: GeneralSubtrees | undefined, which: 'permitted' | 'excluded') => {
      for (const st of subtrees ?? []) {
        const form = FORMS.find((f) => st.base[KEYS[f].asn] !== undefined);
        const raw = form ? (st.base[KEYS[form].asn] as string) : undefined;
        const v = form && raw !== undefined ? NORMALIZE[form](raw) : null;
        if (form && v) spec[KEYS[form][which]].push(v);
        else unsupported.add(Object.keys(st.base).find((k) => st.base[k as keyof GeneralName] !== undefined) ?? 'unknown');
      }
    };
    collect(nc.permittedSubtrees, 'permitted');
    collect(nc.excludedSubtrees, 'excluded');
    result = { ca: cert.subject, spec, unsupported: [...unsupported] };
  }
  constraintCache.set(cert, result);
  return result;
}

// ───────────── matching ─────────────

/**
 * Is DNS name `name` (possibly `*.`-wildcarded) inside subtree `base`? `example.com` holds
 * example.com and every name below it (not badexample.com); `.example.com` only names below it.
 */
export function dnsWithin(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (b === '' || b === '.') return true;
  if (b.startsWith('.')) return n.endsWith(b) && n.length > b.length;
  return n === b || n.endsWith(`.${b}`);
}

/** Could a wildcard name (`*.example.com`) stand for a name inside `base`? (For excluded subtrees.) */
function wildcardReaches(name: string, base: string): boolean {
  if (!name.startsWith('*.')) return false;
  const parent = name.slice(2);
  const b = base.replace(/^\./, '');
  // `*.example.com` can become exactly one more label: x.example.com.
  return b.endsWith(`.${parent}`) && !b.slice(0, -parent.length - 1).includes('.') && !base.startsWith('.');
}

/** Is IP address `ip` (any text form) inside CIDR block `cidr`? Different families never match. */
export function ipWithin(ip: string, cidr: string): boolean {
  const canon = canonicalIp(ip);
  const block = parseCidr(cidr);
  if (!canon || !block) return false;
  const bytes = ipBytes(canon);
  return bytes.length === block.bytes.length && applyMask(bytes, block.prefix).equals(block.bytes);
}

/** Is e-mail address `addr` inside `base` (`user@host` exact, `host` its mailboxes, `.domain` mailboxes below it)? */
export function emailWithin(addr: string, base: string): boolean {
  const at = addr.lastIndexOf('@');
  if (at <= 0) return false;
  const local = addr.slice(0, at);
  const host = addr.slice(at + 1).toLowerCase();
  if (base.includes('@')) {
    const bat = base.lastIndexOf('@');
    return local === base.slice(0, bat) && host === base.slice(bat + 1).toLowerCase();
  }
  const b = base.toLowerCase();
  return b.startsWith('.') ? host.endsWith(b) && host.length > b.length : host === b;
}

const WITHIN: Record<Form, (value: string, base: string) => boolean> = { dns: dnsWithin, ip: ipWithin, email: emailWithin };

function violation(name: string, form: Form, c: CaNameConstraints): string | null {
  const permitted = c.spec[KEYS[form].permitted];
  const excluded = c.spec[KEYS[form].excluded];
  const hit = excluded.find((b) => WITHIN[form](name, b) || (form === 'dns' && wildcardReaches(name, b)));
  if (hit) return `${name} (${FORM_LABEL[form]}) is in the excluded subtree "${hit}" of CA "${c.ca}"`;
  if (permitted.length && !permitted.some((b) => WITHIN[form](name, b))) {
    return `${name} (${FORM_LABEL[form]}) is not within the permitted subtrees ${permitted.map((p) => `"${p}"`).join(', ')} of CA "${c.ca}"`;
  }
  return null;
}

/**
 * Checks every name of a certificate about to be signed against the constraints of each CA
 * in its path (issuing CA first, then its ancestors). Throws PkiError('name_constraint_violation')
 * naming every offending name and the constraint it breaks.
 */
export function checkNameConstraints(names: readonly SubjectAltName[], cas: readonly CaNameConstraints[]): void {
  const problems: string[] = [];
  for (const c of cas) {
    if (c.unsupported.length) {
      problems.push(`CA "${c.ca}" constrains name forms this signer cannot check (${c.unsupported.join(', ')})`);
      continue;
    }
    for (const n of names) {
      if (n.type === 'uri') continue;
      const p = violation(n.value, n.type, c);
      if (p) problems.push(p);
    }
  }
  if (problems.length) throw new PkiError('name_constraint_violation', `name constraint violated: ${problems.join('; ')}`);
}

/** Is every name of subtree `inner` also inside subtree `outer` (same form)? */
function subtreeWithin(form: Form, inner: string, outer: string): boolean {
  if (form === 'ip') {
    const i = parseCidr(inner);
    const o = parseCidr(outer);
    return !!i && !!o && i.bytes.length === o.bytes.length && i.prefix >= o.prefix && applyMask(i.bytes, o.prefix).equals(o.bytes);
  }
  if (form === 'email' && inner.includes('@')) return emailWithin(inner, outer);
  if (form === 'email' && outer.includes('@')) return false;
  // DNS, or e-mail host/domain forms: `.x` covers strictly below x; `x` covers x and below.
  const innerBase = inner.replace(/^\./, '');
  const outerBase = outer.replace(/^\./, '');
  if (innerBase === outerBase) return !(outer.startsWith('.') && !inner.startsWith('.'));
  if (form === 'email' && !outer.startsWith('.')) return false;
  return innerBase.endsWith(`.${outerBase}`);
}

/**
 * For a new CA below `ancestors`: each of its permitted subtrees must lie within its
 * ancestors' permitted subtrees of that form (when they have any) and outside their
 * excluded ones. PkiError('name_constraint_violation') otherwise.
 */
export function checkSubtreesWithin(spec: Required<NameConstraintsSpec>, ancestors: readonly CaNameConstraints[]): void {
  const problems: string[] = [];
  for (const c of ancestors) {
    for (const form of FORMS) {
      const permitted = c.spec[KEYS[form].permitted];
      const excluded = c.spec[KEYS[form].excluded];
      for (const s of spec[KEYS[form].permitted]) {
        const ex = excluded.find((e) => subtreeWithin(form, s, e));
        if (ex) problems.push(`permitted ${FORM_LABEL[form]} subtree "${s}" lies in the excluded subtree "${ex}" of CA "${c.ca}"`);
        else if (permitted.length && !permitted.some((p) => subtreeWithin(form, s, p))) {
          problems.push(`permitted ${FORM_LABEL[form]} subtree "${s}" is outside the permitted subtrees of CA "${c.ca}"`);
        }
      }
    }
  }
  if (problems.length) throw new PkiError('name_constraint_violation', `name constraint violated: ${problems.join('; ')}`);
}
