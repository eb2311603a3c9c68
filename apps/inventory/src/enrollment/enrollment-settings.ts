import type { EnrollmentProtocol, FieldError } from '@certctl/contracts';
import {
  MASK,
  type SecretBox,
  enrollmentSettingsAad as enrollmentAad,
  hashSecret,
  keygenRecipients,
  maskSecretFields,
  openSecretFields,
  sealSecretFields,
  splitPemChain,
} from '@certctl/pki';

type Json = Record<string, unknown>;

const EST_DEFAULTS = { auth: 'basic', allow_server_keygen: false, tls_exporter_binding: false };

/**
 * The settings to store from what an admin sent (`previous`: those stored, on a change; keys
 * given replace them). EST: the password becomes a scrypt verifier (`basic_verifier`), never
 * stored itself. SCEP: secret-named values are sealed. `****` sent back keeps the stored secret.
 */
export async function settingsToStore(
  box: SecretBox,
  id: string,
  protocol: EnrollmentProtocol,
  incoming: Json,
  previous: Json | null,
): Promise<{ settings: Json; problems: FieldError[] }> {
  if (protocol === 'est') return estSettingsToStore(incoming, previous ?? {});
  const sealed = sealSecretFields(box, incoming, previous, enrollmentAad(id));
  return {
    settings: { ...(previous ?? {}), ...sealed.config },
    problems: sealed.problems.map((p) => ({ field: `settings.${p.path}`, message: p.message })),
  };
}

async function estSettingsToStore(incoming: Json, previous: Json): Promise<{ settings: Json; problems: FieldError[] }> {
  const { password, ...rest } = incoming;
  const settings: Json = { ...EST_DEFAULTS, ...previous, ...rest };
  const problems: FieldError[] = [];
  if (password === MASK) {
    if (!previous.basic_verifier)
      problems.push({ field: 'settings.password', message: 'is masked with no stored password behind it: send the password itself' });
  } else if (typeof password === 'string') {
    settings.basic_verifier = await hashSecret(password);
  }
  const auth = settings.auth as string;
  if (auth !== 'client_cert' && !settings.basic_verifier)
    problems.push({ field: 'settings.password', message: `is required with auth ${auth}` });
  if (auth !== 'basic') {
    const pem = typeof settings.client_cert_trust_pem === 'string' ? settings.client_cert_trust_pem : '';
    if (!safeSplit(pem).length)
      problems.push({ field: 'settings.client_cert_trust_pem', message: `must hold at least one PEM CERTIFICATE with auth ${auth}` });
  }
  const recipients = typeof settings.serverkeygen_recipients_pem === 'string' ? settings.serverkeygen_recipients_pem : '';
  if (recipients.trim())
    for (const message of keygenRecipients(recipients).problems) problems.push({ field: 'settings.serverkeygen_recipients_pem', message });
  return { settings, problems };
}

function safeSplit(pem: string): string[] {
  try {
    return splitPemChain(pem);
  } catch {
    return [];
  }
}

/** The settings as the API shows them: the EST verifier as a masked password, SCEP secrets masked. */
export function settingsView(protocol: EnrollmentProtocol, stored: unknown): Json {
  const settings = (stored ?? {}) as Json;
  if (protocol === 'scep') return maskSecretFields(settings);
  const { basic_verifier: verifier, ...rest } = settings;
  return { ...EST_DEFAULTS, ...rest, ...(verifier ? { password: MASK } : {}) };
}

/** The settings as the protocol edge uses them: SCEP secrets opened, the EST verifier as stored. */
export function settingsInternal(box: SecretBox, id: string, protocol: EnrollmentProtocol, stored: unknown): Json {
  const settings = (stored ?? {}) as Json;
  if (protocol === 'est') return { ...EST_DEFAULTS, ...settings };
  return openSecretFields(box, settings, enrollmentAad(id));
}
