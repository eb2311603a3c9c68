// What identifies a certificate found in the wild: its own fingerprint, its public key's, and whether it signed itself.
import { createHash } from 'node:crypto';
import { type CertificateInfo, parseCertificate } from './certificate';
import { PkiError } from './errors';
import { pemToDerWithLabel, toArrayBuffer } from './pem';
import { x509 } from './provider';

export interface CertificateIdentity extends CertificateInfo {
  /** Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER: equal for every certificate of one key. */
  spkiSha256: string;
  /** Issuer equals subject and the certificate's own key verifies its signature. */
  selfSigned: boolean;
}

/** parseCertificate plus the key fingerprint and self-signature; PkiError('bad_certificate') on anything unparseable. */
export async function certificateIdentity(pem: string): Promise<CertificateIdentity> {
  const info = await parseCertificate(pem);
  const der = pemToDerWithLabel(pem, ['CERTIFICATE'], 'bad_certificate');
  try {
    const cert = new x509.X509Certificate(toArrayBuffer(der));
    const spkiSha256 = createHash('sha256').update(new Uint8Array(cert.publicKey.rawData)).digest('hex');
    const selfSigned = info.subject === info.issuer && (await cert.isSelfSigned().catch(() => false));
    return { ...info, spkiSha256, selfSigned };
  } catch (err) {
    throw new PkiError('bad_certificate', `cannot parse certificate: ${(err as Error).message}`, { cause: err });
  }
}
