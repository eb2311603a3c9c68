import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { AppError } from '@certctl/contracts';
import { type KeygenRecipient, keygenRecipients, toArrayBuffer } from '@certctl/pki';

/** RFC 4108 §2.2.5 via RFC 7030 §4.4.1.1: a symmetric key shared out of band. */
export const DECRYPT_KEY_ID = '1.2.840.113549.1.9.16.2.37';
/** RFC 7030 §4.4.1.2: the client's key pair to encrypt its server-generated key to. */
export const ASYMM_DECRYPT_KEY_ID = '1.2.840.113549.1.9.16.2.54';

/**
 * The bytes of an identifier attribute value. RFC 7030 makes it an OCTET STRING; `openssl req`
 * can only write attributes as character strings, so one of those counts by its UTF-8 bytes
 * (a recipient certificate whose subject key identifier is those bytes matches it).
 */
function identifierBytes(valueDer: ArrayBuffer): Buffer | undefined {
  const parsed = asn1js.fromBER(valueDer);
  if (parsed.offset === -1) return undefined;
  const value = parsed.result;
  if (value instanceof asn1js.OctetString) return Buffer.from(value.valueBlock.valueHexView);
  if (value instanceof asn1js.Utf8String || value instanceof asn1js.PrintableString || value instanceof asn1js.IA5String)
    return Buffer.from(value.valueBlock.value, 'utf8');
  return undefined;
}

/** How an identifier reads in an error: its hex, and its text when it is printable. */
function shown(id: Buffer): string {
  const text = id.toString('utf8');
  return /^[\x20-\x7e]{1,64}$/.test(text) ? `${id.toString('hex')} ("${text}")` : id.toString('hex');
}

/**
 * The recipient a serverkeygen CSR asks its key to be encrypted for (RFC 7030 §4.4.1.2), or
 * undefined when it asks for none (the key then goes back as plain PKCS#8 inside TLS). A
 * DecryptKeyIdentifier (a symmetric key shared out of band, §4.4.1.1) is refused: the platform
 * holds no such keys. An identifier none of the profile's recipients has is the RFC's error.
 */
export function requestedRecipient(csrDer: Buffer, recipientsPem: string | undefined): KeygenRecipient | undefined {
  const attributes = new x509.Pkcs10CertificateRequest(toArrayBuffer(csrDer)).attributes;
  if (attributes.some((a) => a.type === DECRYPT_KEY_ID))
    throw new AppError(
      'bad_request',
      'The CSR asks for the server-generated key to be encrypted with a shared symmetric key (DecryptKeyIdentifier, RFC 7030 §4.4.1.1); this server holds no symmetric key-encryption keys: name a recipient certificate of this profile with AsymmetricDecryptKeyIdentifier, or send neither attribute to get the key as PKCS#8 over TLS.',
    );
  const asked = attributes.filter((a) => a.type === ASYMM_DECRYPT_KEY_ID);
  if (!asked.length) return undefined;
  const values = asked.flatMap((a) => a.values);
  const id = values.length === 1 ? identifierBytes(values[0]) : undefined;
  if (!id?.length)
    throw new AppError('bad_request', 'The CSR’s AsymmetricDecryptKeyIdentifier must be one OCTET STRING (RFC 7030 §4.4.1.2).');
  const found = keygenRecipients(recipientsPem ?? '').recipients.find((r) => r.keyId === id.toString('hex'));
  if (!found)
    throw new AppError(
      'bad_request',
      `The CSR asks for the server-generated key to be encrypted for AsymmetricDecryptKeyIdentifier ${shown(id)}, which is the subject key identifier of none of this EST profile’s serverkeygen recipients (RFC 7030 §4.4.1.2).`,
    );
  return found;
}
