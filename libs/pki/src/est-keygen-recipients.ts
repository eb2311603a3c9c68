import { X509Certificate, createHash } from 'node:crypto';
import { splitPemChain, toArrayBuffer } from './pem';
import { x509 } from './provider';
import { cms, ownBytes } from './scep/engine';

/** A certificate an EST profile encrypts server-generated keys to (RFC 7030 §4.4.1.2). */
export interface KeygenRecipient {
  /** What a client names in AsymmetricDecryptKeyIdentifier: the subject key identifier (hex, lower case). */
  keyId: string;
  certDer: Buffer;
  /** RSA: key transport (KeyTransRecipientInfo); EC: key agreement (KeyAgreeRecipientInfo). */
  kind: 'rsa' | 'ec';
  subject: string;
}

const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/**
 * The subject key identifier of a certificate: its extension when present, else RFC 5280
 * §4.2.1.2 method (1), the SHA-1 of the subjectPublicKey bits (what openssl writes by default).
 */
function keyIdentifier(cert: x509.X509Certificate, der: Buffer): string {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return ski.keyId.toLowerCase();
  const bits = cms().Certificate.fromBER(ownBytes(der)).subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  return createHash('sha1').update(bits).digest('hex');
}

/** Why one certificate cannot receive keys, or undefined when it can. */
function unusable(node: X509Certificate, cert: x509.X509Certificate): string | undefined {
  const type = node.publicKey.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec')
    return `has a ${type ?? 'unknown'} key: only RSA (key transport) or EC (key agreement) keys can receive keys`;
  if (type === 'ec' && !EC_CURVES.has(node.publicKey.asymmetricKeyDetails?.namedCurve ?? ''))
    return 'has an EC key on a curve other than P-256, P-384 or P-521';
  const usage = cert.getExtension(x509.KeyUsagesExtension)?.usages;
  const needed = type === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.keyAgreement;
  if (usage !== undefined && !(usage & needed))
    return `has a key usage without ${type === 'rsa' ? 'keyEncipherment' : 'keyAgreement'}, so it may not receive keys`;
  return undefined;
}

/**
 * The recipients of a PEM bundle (the profile setting `serverkeygen_recipients_pem`), with a
 * problem for each certificate that cannot be one (not a certificate, a signing-only key,
 * an unsupported algorithm, two with the same key identifier).
 */
export function keygenRecipients(pem: string): { recipients: KeygenRecipient[]; problems: string[] } {
  const recipients: KeygenRecipient[] = [];
  const problems: string[] = [];
  let blocks: string[];
  try {
    blocks = splitPemChain(pem);
  } catch (err) {
    return { recipients, problems: [`is not a PEM bundle of certificates: ${(err as Error).message}`] };
  }
  if (pem.trim() && !blocks.length) problems.push('holds no PEM CERTIFICATE block');
  blocks.forEach((block, index) => {
    try {
      const node = new X509Certificate(block);
      const cert = new x509.X509Certificate(toArrayBuffer(node.raw));
      const why = unusable(node, cert);
      if (why) return void problems.push(`certificate ${index + 1} (${node.subject.replace(/\n/g, ', ')}) ${why}`);
      const keyId = keyIdentifier(cert, node.raw);
      if (recipients.some((r) => r.keyId === keyId))
        return void problems.push(`certificate ${index + 1} has the key identifier ${keyId} of an earlier one`);
      recipients.push({ keyId, certDer: node.raw, kind: node.publicKey.asymmetricKeyType as 'rsa' | 'ec', subject: cert.subject });
    } catch (err) {
      problems.push(`certificate ${index + 1} cannot be read: ${(err as Error).message}`);
    }
  });
  return { recipients, problems };
}
