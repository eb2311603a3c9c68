import { AcmeError } from '../protocol/errors';
import type { ParsedJws } from '../protocol/jws';

/** The flattened JWS of an external account binding (RFC 8555 §7.3.4), its protected header checked. */
export function parseEab(raw: unknown): ParsedJws & { header: { kid?: string; url: string } } {
  if (!raw || typeof raw !== 'object') throw new AcmeError('malformed', 'externalAccountBinding must be a flattened JWS');
  const fields = raw as Record<string, unknown>;
  for (const name of ['protected', 'payload', 'signature'] as const) {
    if (typeof fields[name] !== 'string') throw new AcmeError('malformed', `externalAccountBinding.${name} must be a string`);
  }
  let header: { alg?: string; kid?: string; url?: string; nonce?: string };
  try {
    header = JSON.parse(Buffer.from(fields.protected as string, 'base64url').toString('utf8')) as typeof header;
  } catch {
    throw new AcmeError('malformed', 'externalAccountBinding.protected is not base64url JSON');
  }
  if (!['HS256', 'HS384', 'HS512'].includes(String(header.alg)))
    throw new AcmeError('badSignatureAlgorithm', 'EAB must be HS256, HS384 or HS512');
  if (header.nonce !== undefined) throw new AcmeError('malformed', 'the external account binding must not have a nonce');
  if (typeof header.kid !== 'string' || typeof header.url !== 'string') throw new AcmeError('malformed', 'EAB needs "kid" and "url"');
  return {
    input: { protected: fields.protected as string, payload: fields.payload as string, signature: fields.signature as string },
    header: header as never,
  };
}

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** RFC 8555 §7.3: mailto: contacts only, one address each, no header fields. */
export function validateContacts(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new AcmeError('malformed', 'contact must be an array of URLs');
  if (raw.length > 10) throw new AcmeError('invalidContact', 'at most 10 contacts');
  return raw.map((contact) => {
    if (typeof contact !== 'string') throw new AcmeError('invalidContact', 'each contact must be a string URL');
    if (!contact.startsWith('mailto:'))
      throw new AcmeError('unsupportedContact', `only mailto: contacts are supported (got ${JSON.stringify(contact.slice(0, 40))})`);
    const addr = contact.slice('mailto:'.length);
    if (addr.includes('?') || addr.includes(',') || !EMAIL.test(addr) || addr.length > 254) {
      throw new AcmeError('invalidContact', `${JSON.stringify(contact.slice(0, 80))} is not a single valid email address`);
    }
    return contact;
  });
}
