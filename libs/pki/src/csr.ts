import { assertSingleDer } from './der';
import { PkiError } from './errors';
import { describeKey, importDescribedSpki, importSpki, signingAlgorithmFor, type KeyAlgorithm, type KeyType } from './keys';
import { subjectName } from './issuer';
import { derToPem, pemToDerWithLabel, toArrayBuffer } from './pem';
import { x509, type CryptoKey, type CryptoKeyPair } from './provider';
import { classifySans, readSans, sanExtension } from './san';

export interface ParsedCsr {
  commonName: string | null;
  sans: string[];
  publicKey: CryptoKey;
  keyAlgorithm: KeyAlgorithm | null;
  keyType: KeyType | 'unknown';
  keySize: number;
  signatureValid: boolean;
  der: Buffer;
}

const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

/**
 * Parses a PEM PKCS#10 request. Throws PkiError('bad_csr') for anything that is not a
 * well-formed CSR (trailing bytes after the DER included) and PkiError('unsupported_key') when its key cannot be used with WebCrypto;
 * a bad signature is reported as signatureValid=false, not thrown.
 */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const der = pemToDerWithLabel(pem, CSR_LABELS, 'bad_csr');
  assertSingleDer(der, 'bad_csr', 'the CSR');
  let csr: x509.Pkcs10CertificateRequest;
  let commonName: string | null;
  let sans: string[];
  let spki: Uint8Array;
  try {
    csr = new x509.Pkcs10CertificateRequest(toArrayBuffer(der));
    commonName = csr.subjectName.getField('CN')[0] ?? null;
    sans = readSans(csr.getExtension('2.5.29.17'));
    spki = new Uint8Array(csr.publicKey.rawData);
  } catch (err) {
    throw new PkiError('bad_csr', `cannot parse CSR: ${(err as Error).message}`, { cause: err });
  }
  const { key: publicKey, description: key } = await importDescribedSpki(spki);
  let signatureValid = false;
  try {
    signatureValid = await csr.verify();
  } catch {
    signatureValid = false; // malformed signature value or unsupported signature algorithm
  }
  return {
    commonName,
    sans,
    publicKey,
    keyAlgorithm: key.keyAlgorithm,
    keyType: key.keyType,
    keySize: key.keySize,
    signatureValid,
    der,
  };
}

/**
 * Only the public key of a CSR whose names and signature were checked before (where it was
 * received): no signature verification, no names, no key description. PkiError('bad_csr' |
 * 'unsupported_key') as parseCsr.
 */
export async function csrPublicKey(pem: string): Promise<CryptoKey> {
  const der = pemToDerWithLabel(pem, CSR_LABELS, 'bad_csr');
  assertSingleDer(der, 'bad_csr', 'the CSR');
  let spki: Uint8Array;
  try {
    spki = new Uint8Array(new x509.Pkcs10CertificateRequest(toArrayBuffer(der)).publicKey.rawData);
  } catch (err) {
    throw new PkiError('bad_csr', `cannot parse CSR: ${(err as Error).message}`, { cause: err });
  }
  return importSpki(spki);
}

/** A PEM "CERTIFICATE REQUEST" for `CN=<commonName>` with the given SANs, signed by keys.privateKey. */
export async function createCsr(o: { keys: CryptoKeyPair; commonName: string; sans: string[] }): Promise<string> {
  if (!o || typeof o !== 'object' || !o.keys) throw new PkiError('invalid_request', 'keys are required');
  const name = subjectName(o.commonName);
  describeKey(o.keys.publicKey);
  const sans = classifySans(o.sans ?? []);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys: o.keys,
    signingAlgorithm: signingAlgorithmFor(o.keys.privateKey),
    extensions: sans.length > 0 ? [sanExtension(sans)] : [],
  });
  return derToPem(new Uint8Array(csr.rawData), 'CERTIFICATE REQUEST');
}
