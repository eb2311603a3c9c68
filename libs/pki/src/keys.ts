import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PkiError } from './errors';
import { derToPem, toArrayBuffer } from './pem';
import { subtle, type CryptoKey, type CryptoKeyPair } from './provider';

export type KeyAlgorithm = 'ECDSA-P256' | 'ECDSA-P384' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'Ed25519';
export type KeyType = 'ECDSA' | 'RSA' | 'Ed25519';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519'];

export interface KeyDescription {
  algorithm: KeyType;
  size: number;
  keyAlgorithm: KeyAlgorithm;
}

/** Parameters accepted by WebCrypto generateKey/importKey and by @peculiar/x509 signing. */
type Params = { name: string; [k: string]: unknown };

interface AlgSpec {
  type: KeyType;
  size: number;
  /** importKey parameters (generateKey adds modulusLength/publicExponent for RSA). */
  importParams: Params;
  /** signature algorithm used when this key signs a certificate or CSR. */
  signParams: Params;
}

const RSA_IMPORT: Params = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const SPECS: Record<KeyAlgorithm, AlgSpec> = {
  'ECDSA-P256': {
    type: 'ECDSA',
    size: 256,
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    signParams: { name: 'ECDSA', hash: 'SHA-256' },
  },
  'ECDSA-P384': {
    type: 'ECDSA',
    size: 384,
    importParams: { name: 'ECDSA', namedCurve: 'P-384' },
    signParams: { name: 'ECDSA', hash: 'SHA-384' },
  },
  'RSA-2048': { type: 'RSA', size: 2048, importParams: RSA_IMPORT, signParams: RSA_IMPORT },
  'RSA-3072': { type: 'RSA', size: 3072, importParams: RSA_IMPORT, signParams: RSA_IMPORT },
  'RSA-4096': { type: 'RSA', size: 4096, importParams: RSA_IMPORT, signParams: RSA_IMPORT },
  Ed25519: { type: 'Ed25519', size: 256, importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } },
};

/** The KeyAlgorithm for a key type and size, or null when it is not one we support. */
export function keyAlgorithmFor(type: string, size: number): KeyAlgorithm | null {
  const hit = KEY_ALGORITHMS.find((a) => SPECS[a].type === type && SPECS[a].size === size);
  return hit ?? null;
}

function specOf(alg: KeyAlgorithm): AlgSpec {
  const spec = (SPECS as Record<string, AlgSpec | undefined>)[alg];
  if (!spec) throw new PkiError('unsupported_key', `unsupported key algorithm "${String(alg)}"`);
  return spec;
}

/** A fresh, extractable key pair. */
export async function generateKeyPair(alg: KeyAlgorithm): Promise<CryptoKeyPair> {
  const spec = specOf(alg);
  const params: Params =
    spec.type === 'RSA' ? { ...spec.importParams, modulusLength: spec.size, publicExponent: new Uint8Array([1, 0, 1]) } : spec.importParams;
  return (await subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof (key as { type?: unknown }).type === 'string' &&
    typeof (key as { algorithm?: { name?: unknown } }).algorithm?.name === 'string'
  );
}

/** Key family, size in bits and KeyAlgorithm of a WebCrypto key; PkiError for anything else. */
export function describeKey(key: CryptoKey): KeyDescription {
  if (!isCryptoKey(key)) throw new PkiError('bad_key', 'not a CryptoKey');
  const a = key.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  let type: KeyType | null = null;
  let size = 0;
  if (a.name === 'ECDSA') {
    type = 'ECDSA';
    size = a.namedCurve === 'P-256' ? 256 : a.namedCurve === 'P-384' ? 384 : a.namedCurve === 'P-521' ? 521 : 0;
  } else if (a.name === 'RSASSA-PKCS1-v1_5' || a.name === 'RSA-PSS' || a.name === 'RSA-OAEP') {
    type = 'RSA';
    size = a.modulusLength ?? 0;
  } else if (a.name === 'Ed25519') {
    type = 'Ed25519';
    size = 256;
  }
  const keyAlgorithm = type ? keyAlgorithmFor(type, size) : null;
  if (!type || !keyAlgorithm) {
    const detail = a.namedCurve ?? (a.modulusLength ? `${a.modulusLength} bits` : '');
    throw new PkiError('unsupported_key', `unsupported key: ${a.name} ${detail}`.trim());
  }
  return { algorithm: type, size, keyAlgorithm };
}

/**
 * The x509 signing algorithm for a signing (issuer) key: ECDSA+SHA-256 for P-256,
 * ECDSA+SHA-384 for P-384, RSASSA-PKCS1-v1_5+SHA-256 for RSA, Ed25519 for Ed25519.
 */
export function signingAlgorithmFor(privateKey: CryptoKey): Params {
  const { keyAlgorithm } = describeKey(privateKey);
  if (privateKey.type !== 'private') throw new PkiError('bad_key', 'signing key must be a private key');
  const a = privateKey.algorithm as { name: string; hash?: { name?: string } };
  if (SPECS[keyAlgorithm].type === 'RSA' && (a.name !== 'RSASSA-PKCS1-v1_5' || a.hash?.name !== 'SHA-256')) {
    throw new PkiError('unsupported_key', `RSA signing keys must be RSASSA-PKCS1-v1_5 with SHA-256, got ${a.name}`);
  }
  return SPECS[keyAlgorithm].signParams;
}

/** PKCS#8 "PRIVATE KEY" PEM of an extractable private key. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  if (!isCryptoKey(key) || key.type !== 'private') throw new PkiError('bad_key', 'expected a private CryptoKey');
  if (!key.extractable) throw new PkiError('key_not_extractable', 'private key is not extractable');
  const der = await subtle.exportKey('pkcs8', key);
  return derToPem(new Uint8Array(der), 'PRIVATE KEY');
}

const WEB_CURVES: Record<string, { webCurve: string; size: number }> = {
  prime256v1: { webCurve: 'P-256', size: 256 },
  secp384r1: { webCurve: 'P-384', size: 384 },
  secp521r1: { webCurve: 'P-521', size: 521 },
};

interface KeyObjectInfo {
  type: KeyType | 'unknown';
  size: number;
  keyAlgorithm: KeyAlgorithm | null;
  /** WebCrypto import parameters, or null when WebCrypto cannot represent the key. */
  importParams: Params | null;
}

/** Family/size/KeyAlgorithm of a Node KeyObject (public or private). */
function describeKeyObject(k: KeyObject): KeyObjectInfo {
  const d = k.asymmetricKeyDetails ?? {};
  switch (k.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      // rsa-pss keys carry parameters WebCrypto cannot import as RSASSA-PKCS1-v1_5.
      const size = d.modulusLength ?? 0;
      const pkcs1 = k.asymmetricKeyType === 'rsa';
      return { type: 'RSA', size, keyAlgorithm: pkcs1 ? keyAlgorithmFor('RSA', size) : null, importParams: pkcs1 ? RSA_IMPORT : null };
    }
    case 'ec': {
      const curve = WEB_CURVES[d.namedCurve ?? ''];
      if (!curve) return { type: 'ECDSA', size: d.namedCurve === 'secp256k1' ? 256 : 0, keyAlgorithm: null, importParams: null };
      return {
        type: 'ECDSA',
        size: curve.size,
        keyAlgorithm: keyAlgorithmFor('ECDSA', curve.size),
        importParams: { name: 'ECDSA', namedCurve: curve.webCurve },
      };
    }
    case 'ed25519':
      return { type: 'Ed25519', size: 256, keyAlgorithm: 'Ed25519', importParams: { name: 'Ed25519' } };
    default:
      return { type: 'unknown', size: 0, keyAlgorithm: null, importParams: null };
  }
}

/**
 * Imports a private key PEM (PKCS#8 "PRIVATE KEY"; SEC1 "EC PRIVATE KEY" and PKCS#1
 * "RSA PRIVATE KEY" are accepted too), detecting its algorithm and deriving the public key.
 * Both returned keys are extractable. Throws PkiError('bad_key' | 'unsupported_key').
 */
export async function importPrivateKeyPem(pem: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; algorithm: KeyAlgorithm }> {
  if (typeof pem !== 'string' || !pem.includes('PRIVATE KEY-----')) {
    throw new PkiError('bad_key', 'expected a PEM private key');
  }
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new PkiError('bad_key', `cannot parse private key: ${(err as Error).message}`, { cause: err });
  }
  const info = describeKeyObject(keyObject);
  if (!info.keyAlgorithm) {
    throw new PkiError('unsupported_key', `unsupported private key: ${keyObject.asymmetricKeyType} ${info.size}`);
  }
  const params = info.importParams ?? SPECS[info.keyAlgorithm].importParams;
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(keyObject).export({ type: 'spki', format: 'der' });
  try {
    const privateKey = await subtle.importKey('pkcs8', toArrayBuffer(pkcs8), params, true, ['sign']);
    const publicKey = await subtle.importKey('spki', toArrayBuffer(spki), params, true, ['verify']);
    return { privateKey, publicKey, algorithm: info.keyAlgorithm };
  } catch (err) {
    throw new PkiError('bad_key', `cannot import private key: ${(err as Error).message}`, { cause: err });
  }
}

export interface SpkiDescription {
  keyType: KeyType | 'unknown';
  keySize: number;
  keyAlgorithm: KeyAlgorithm | null;
}

function inspectSpki(spki: Uint8Array): KeyObjectInfo {
  try {
    return describeKeyObject(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));
  } catch {
    return { type: 'unknown', size: 0, keyAlgorithm: null, importParams: null };
  }
}

/** Describes a DER SubjectPublicKeyInfo; never throws (unparseable keys are 'unknown'). */
export function describeSpki(spki: Uint8Array): SpkiDescription {
  const info = inspectSpki(spki);
  return { keyType: info.type, keySize: info.size, keyAlgorithm: info.keyAlgorithm };
}

/** Imports a DER SubjectPublicKeyInfo as a WebCrypto verification key (PkiError('unsupported_key') otherwise). */
export async function importSpki(spki: Uint8Array): Promise<CryptoKey> {
  return (await importDescribedSpki(spki)).key;
}

/** importSpki and describeSpki of one key, its DER read once. */
export async function importDescribedSpki(spki: Uint8Array): Promise<{ key: CryptoKey; description: SpkiDescription }> {
  const info = inspectSpki(spki);
  if (!info.importParams) throw new PkiError('unsupported_key', `unsupported public key (${info.type} ${info.size})`);
  try {
    const key = await subtle.importKey('spki', toArrayBuffer(spki), info.importParams, true, ['verify']);
    return { key, description: { keyType: info.type, keySize: info.size, keyAlgorithm: info.keyAlgorithm } };
  } catch (err) {
    throw new PkiError('unsupported_key', `cannot import public key: ${(err as Error).message}`, { cause: err });
  }
}

/** DER SubjectPublicKeyInfo of a public key. */
export async function exportSpki(publicKey: CryptoKey): Promise<Buffer> {
  if (!isCryptoKey(publicKey) || publicKey.type !== 'public') throw new PkiError('bad_key', 'expected a public CryptoKey');
  return Buffer.from(await subtle.exportKey('spki', publicKey));
}
