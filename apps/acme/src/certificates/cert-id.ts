import { normalizeSerialHex } from '@certctl/pki';
import { AcmeError } from '../protocol/errors';

/**
 * RFC 9773 §4.1 certificate identifier: base64url(AKI keyIdentifier) "." base64url(serial
 * DER INTEGER content bytes), both unpadded. Returns the serial in this platform's hex form.
 */
export function parseCertId(certId: string): { aki: string; serial: string } {
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(certId);
  if (!m || certId.length > 400) throw new AcmeError('malformed', 'a certificate identifier is base64url(AKI).base64url(serial)');
  const aki = Buffer.from(m[1], 'base64url').toString('hex');
  const serialBytes = Buffer.from(m[2], 'base64url');
  if (serialBytes.length === 0 || serialBytes.length > 40 || aki.length === 0)
    throw new AcmeError('malformed', 'the certificate identifier is malformed');
  return { aki, serial: normalizeSerialHex(serialBytes.toString('hex')) };
}

/** The identifier of a certificate from its AKI (hex) and serial (hex). */
export function certIdOf(akiHex: string, serialHex: string): string {
  const s = serialHex.length % 2 ? `0${serialHex}` : serialHex;
  let bytes = Buffer.from(s, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return `${Buffer.from(akiHex, 'hex').toString('base64url')}.${bytes.toString('base64url')}`;
}
