import type { SecretBox } from './secret-box';

/**
 * Secret values inside JSON settings (a notification channel's webhook URL, a deployment
 * target's password or token): stored as `{ "$sealed": <base64 SecretBox blob>, "masked": <shown form> }`,
 * answered only in their masked form. A value written before sealing existed (a plain string)
 * still works: it is opened as is and masked the same way when shown.
 */
export interface SealedValue {
  $sealed: string;
  masked: string;
}

/** What stands for the hidden part of a secret. */
export const MASK = '****';

/** `https://hooks.slack.com/…****` for a URL (scheme and host kept), `****` for anything else. */
export function maskSecret(value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const u = new URL(value);
      if (u.host) return `${u.protocol}//${u.host}/…${MASK}`;
    } catch {
      // not a URL after all: fully masked below
    }
  }
  return MASK;
}

export function isSealed(v: unknown): v is SealedValue {
  return (
    typeof v === 'object' && v !== null && typeof (v as SealedValue).$sealed === 'string' && typeof (v as SealedValue).masked === 'string'
  );
}

export function sealValue(box: SecretBox, value: string, aad: string): SealedValue {
  return { $sealed: box.encrypt(value, aad).toString('base64'), masked: maskSecret(value) };
}

/** The plaintext of a sealed value, a legacy plain string as is, undefined for anything else. */
export function openValue(box: SecretBox, v: unknown, aad: string): string | undefined {
  if (isSealed(v)) return box.decryptString(Buffer.from(v.$sealed, 'base64'), aad);
  return typeof v === 'string' ? v : undefined;
}

/** How a stored secret (sealed or legacy plain) is shown. */
export function maskedView(v: unknown): string | undefined {
  if (isSealed(v)) return v.masked;
  return typeof v === 'string' ? maskSecret(v) : undefined;
}

/** True for a settings key whose value is a secret (passwords, tokens, keys, credentials, webhook URLs). */
export function isSecretKey(key: string): boolean {
  return /^pass$|passw(or)?d|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization|webhook/i.test(
    key,
  );
}

export interface SealProblem {
  /** Dotted path inside the settings, e.g. "auth.password". */
  path: string;
  message: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_DEPTH = 8;

/**
 * Seals every secret-named string of `incoming` (nested objects included). A value equal to the
 * masked form of what `previous` holds at the same path keeps the stored secret (a client that
 * sends back what it was shown does not overwrite it with the mask); a masked value with nothing
 * stored behind it, or an object posing as a sealed value, is a problem.
 */
export function sealSecretFields(
  box: SecretBox,
  incoming: Json,
  previous: Json | null | undefined,
  aadOf: (path: string) => string,
): { config: Json; problems: SealProblem[] } {
  const problems: SealProblem[] = [];
  const walk = (value: Json, prev: unknown, prefix: string, depth: number): Json => {
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const before = isObject(prev) ? prev[key] : undefined;
      if (isObject(v) && '$sealed' in v) {
        problems.push({ path, message: 'must be the secret itself ($sealed is reserved)' });
      } else if (isSecretKey(key) && typeof v === 'string') {
        const shown = maskedView(before);
        if (shown !== undefined && v === shown) {
          out[key] = isSealed(before) ? before : sealValue(box, before as string, aadOf(path));
        } else if (v.endsWith(MASK) && v === maskSecret(v)) {
          problems.push({ path, message: 'is a masked value with no stored secret behind it: send the secret itself' });
        } else {
          out[key] = sealValue(box, v, aadOf(path));
        }
      } else if (isObject(v) && depth < MAX_DEPTH) {
        out[key] = walk(v, before, path, depth + 1);
      } else {
        out[key] = v;
      }
    }
    return out;
  };
  return { config: walk(incoming, previous, '', 0), problems };
}

/** The settings as shown to API clients: sealed values and legacy secret-named strings masked. */
export function maskSecretFields(config: unknown): Json {
  const walk = (value: Json, depth: number): Json => {
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      if (isSealed(v)) out[key] = v.masked;
      else if (isSecretKey(key) && typeof v === 'string') out[key] = maskSecret(v);
      else if (isObject(v) && depth < MAX_DEPTH) out[key] = walk(v, depth + 1);
      else out[key] = v;
    }
    return out;
  };
  return isObject(config) ? walk(config, 0) : {};
}

/**
 * The settings with every sealed value opened (the plaintext): only for the one party that
 * must use the secret, e.g. the agent that deploys to a target, never for API listings.
 */
export function openSecretFields(box: SecretBox, config: unknown, aadOf: (path: string) => string): Json {
  const walk = (value: Json, prefix: string, depth: number): Json => {
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isSealed(v)) out[key] = openValue(box, v, aadOf(path));
      else if (isObject(v) && depth < MAX_DEPTH) out[key] = walk(v, path, depth + 1);
      else out[key] = v;
    }
    return out;
  };
  return isObject(config) ? walk(config, '', 0) : {};
}

/** True when the settings still hold a secret-named plain string (written before sealing). */
export function hasUnsealedSecrets(config: unknown): boolean {
  const walk = (value: Json, depth: number): boolean =>
    Object.entries(value).some(([key, v]) =>
      isSealed(v)
        ? false
        : isSecretKey(key) && typeof v === 'string'
          ? true
          : isObject(v) && depth < MAX_DEPTH
            ? walk(v, depth + 1)
            : false,
    );
  return isObject(config) && walk(config, 0);
}

/** The AAD a sealed setting of an enrollment profile (EST/SCEP) is bound to: the profile and the setting's path. */
export const enrollmentSettingsAad = (id: string) => (path: string) => `enrollment:${id}:settings.${path}`;
