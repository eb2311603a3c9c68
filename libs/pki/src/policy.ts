// A certificate profile, checked again by the signer itself (defence in depth: inventory
// checks the same rules when a certificate is created or a CSR arrives, but nothing
// reaches a signature without passing here too).
import { PkiError } from './errors';
import type { KeyDescription, KeyType } from './keys';
import type { SubjectAltName } from './san';

export type KeyUsageName = 'digitalSignature' | 'keyEncipherment';

/** Key usages a leaf key of each type gets (and the only ones it may be given). */
export const KEY_USAGES_BY_TYPE: Record<KeyType, readonly KeyUsageName[]> = {
  RSA: ['digitalSignature', 'keyEncipherment'],
  ECDSA: ['digitalSignature'],
  Ed25519: ['digitalSignature'],
};

/** Extended key usages under which an RSA key may encrypt (TLS 1.2 RSA key transport, S/MIME key transport). */
const KEY_ENCIPHERMENT_EKUS: readonly string[] = ['serverAuth', 'emailProtection'];

/** Whether keyEncipherment fits the EKUs (RFC 5280 §4.2.1.12): with none (any purpose), serverAuth or emailProtection. */
export function ekusAllowKeyEncipherment(ekus: readonly string[]): boolean {
  return ekus.length === 0 || ekus.some((e) => KEY_ENCIPHERMENT_EKUS.includes(e));
}

/**
 * The key usages a leaf gets when none are asked for: those of its key type, less
 * keyEncipherment when no EKU uses it (an RSA client-auth, code-signing, time-stamping or
 * OCSP-signing certificate only signs; RFC 5280 §4.2.1.12).
 */
export function defaultKeyUsages(keyType: KeyType, ekus: readonly string[]): readonly KeyUsageName[] {
  const usages = KEY_USAGES_BY_TYPE[keyType];
  return ekusAllowKeyEncipherment(ekus) ? usages : usages.filter((u) => u !== 'keyEncipherment');
}

export interface SanPolicy {
  allowWildcards?: boolean;
  allowIp?: boolean;
  allowEmail?: boolean;
  allowUri?: boolean;
  maxSans?: number;
  /** When non-empty, every DNS name must be one of these or below one of them. */
  dnsSuffixes?: string[];
}

/** What a profile allows. Every field is optional; a field left out allows anything. */
export interface LeafPolicy {
  /** The subject key must be one of these families with at least min_size bits. */
  allowedKeyAlgorithms?: { algorithm: KeyType; minSize: number }[];
  /** Longer requests are refused (not clamped): a request the profile does not allow is a bug or tampering. */
  maxValidityDays?: number;
  /** The same in seconds (short-lived and test profiles); when set it wins over maxValidityDays. */
  maxValiditySeconds?: number;
  /** The EKUs a certificate may carry. */
  ekus?: string[];
  san?: SanPolicy;
}

export interface PolicySubject {
  key: KeyDescription;
  sans: readonly SubjectAltName[];
  ekus: readonly string[];
  validitySeconds: number;
  /** Key usages asked for explicitly (default: those of the key type). */
  keyUsages?: readonly string[];
}

function sanProblems(sans: readonly SubjectAltName[], rules: SanPolicy): string[] {
  const out: string[] = [];
  if (rules.maxSans !== undefined && sans.length > rules.maxSans)
    out.push(`at most ${rules.maxSans} names are allowed, got ${sans.length}`);
  const suffixes = (rules.dnsSuffixes ?? []).map((s) => s.toLowerCase().replace(/^\.+/, '').replace(/\.$/, ''));
  const forbidden: Partial<Record<SubjectAltName['type'], boolean | undefined>> = {
    ip: rules.allowIp === false,
    email: rules.allowEmail === false,
    uri: rules.allowUri === false,
  };
  for (const { type, value } of sans) {
    if (forbidden[type]) out.push(`${value}: ${type === 'ip' ? 'IP address' : type === 'uri' ? 'URI' : 'e-mail'} names are not allowed`);
    if (type !== 'dns') continue;
    if (value.startsWith('*.') && rules.allowWildcards === false) out.push(`${value}: wildcards are not allowed`);
    const base = value.replace(/^\*\./, '');
    if (suffixes.length && !suffixes.some((s) => base === s || base.endsWith(`.${s}`)))
      out.push(`${value}: must be under ${suffixes.join(' or ')}`);
  }
  return out;
}

/** A validity longer than the profile allows: max_validity_seconds when set, else max_validity_days. */
function validityProblem(seconds: number, policy: LeafPolicy | undefined): string | undefined {
  if (policy?.maxValiditySeconds != null) {
    if (seconds > policy.maxValiditySeconds)
      return `validity of ${seconds} seconds exceeds the maximum of ${policy.maxValiditySeconds} seconds`;
  } else if (policy?.maxValidityDays !== undefined && seconds > policy.maxValidityDays * 86_400) {
    return `validity of ${Math.ceil(seconds / 86_400)} days exceeds the maximum of ${policy.maxValidityDays}`;
  }
  return undefined;
}

/**
 * Checks what is about to be signed against a profile and the key-usage rules for its key
 * type. Throws PkiError('profile_violation') naming every breach.
 */
export function checkLeafPolicy(s: PolicySubject, policy: LeafPolicy | undefined): void {
  const problems: string[] = [];
  const allowedUsages = KEY_USAGES_BY_TYPE[s.key.algorithm];
  for (const u of s.keyUsages ?? []) {
    if (!allowedUsages.includes(u as KeyUsageName)) problems.push(`key usage ${u} is not valid for a ${s.key.algorithm} key`);
  }
  if (s.keyUsages && !s.keyUsages.includes('digitalSignature')) problems.push('key usage must include digitalSignature');
  if (s.keyUsages?.includes('keyEncipherment') && !ekusAllowKeyEncipherment(s.ekus)) {
    problems.push(`key usage keyEncipherment does not fit extended key usage ${s.ekus.join(', ')} (only serverAuth or emailProtection)`);
  }
  if (policy?.allowedKeyAlgorithms?.length) {
    const ok = policy.allowedKeyAlgorithms.some((a) => a.algorithm === s.key.algorithm && s.key.size >= a.minSize);
    if (!ok) {
      const allowed = policy.allowedKeyAlgorithms.map((a) => `${a.algorithm} ≥ ${a.minSize}`).join(', ');
      problems.push(`key ${s.key.algorithm} ${s.key.size} is not allowed (allowed: ${allowed})`);
    }
  }
  const validity = validityProblem(s.validitySeconds, policy);
  if (validity) problems.push(validity);
  if (policy?.ekus) {
    for (const e of s.ekus)
      if (!policy.ekus.includes(e)) problems.push(`extended key usage ${e} is not allowed (allowed: ${policy.ekus.join(', ')})`);
  }
  if (policy && s.ekus.includes('emailProtection') && !s.sans.some((n) => n.type === 'email')) {
    problems.push('an emailProtection (S/MIME) certificate needs at least one e-mail address name');
  }
  if (policy?.san) problems.push(...sanProblems(s.sans, policy.san));
  if (problems.length) throw new PkiError('profile_violation', `profile violated: ${problems.join('; ')}`);
}
