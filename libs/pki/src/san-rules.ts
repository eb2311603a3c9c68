import { isIP } from 'node:net';
import { type FieldError, isEmailAddress, isUri } from '@certctl/contracts';

export interface SanRules {
  allow_wildcards?: boolean;
  allow_ip?: boolean;
  allow_email?: boolean;
  allow_uri?: boolean;
  max_sans?: number;
  dns_suffixes?: string[];
}

/** A profile's SAN rules applied to a certificate's names (common name included): every breach is named. A rule left out allows. */
export function checkSanRules(names: string[], rules: SanRules | null | undefined): FieldError[] {
  if (!rules) return [];
  const problems: FieldError[] = [];
  const add = (message: string) => problems.push({ field: 'sans', message });
  if (rules.max_sans !== undefined && names.length > rules.max_sans)
    add(`the profile allows at most ${rules.max_sans} names; got ${names.length}`);
  const suffixes = (rules.dns_suffixes ?? []).map((s) => s.toLowerCase().replace(/^\.+/, ''));
  for (const raw of names) {
    const name = raw.toLowerCase();
    if (isIP(name)) {
      if (rules.allow_ip === false) add(`${raw}: IP addresses are not allowed by the profile`);
    } else if (isUri(name)) {
      if (rules.allow_uri === false) add(`${raw}: URIs are not allowed by the profile`);
    } else if (isEmailAddress(name)) {
      if (rules.allow_email === false) add(`${raw}: email addresses are not allowed by the profile`);
    } else {
      if (name.startsWith('*.') && rules.allow_wildcards === false) add(`${raw}: wildcards are not allowed by the profile`);
      const base = name.replace(/^\*\./, '');
      if (suffixes.length && !suffixes.some((s) => base === s || base.endsWith(`.${s}`))) {
        add(`${raw}: must be under ${suffixes.join(' or ')}`);
      }
    }
  }
  return problems;
}
