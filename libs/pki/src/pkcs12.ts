// PKCS#12 (RFC 7292) files for a server-generated leaf key, written with the DER helpers:
// node-forge's PKCS#12 writer only takes RSA keys, and leaves here are mostly ECDSA or Ed25519.
// The key bag is a pkcs8ShroudedKeyBag (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, from
// Node's crypto), the certificates are plain cert bags (public data), and the whole is
// protected by an HMAC-SHA256 MAC with the RFC 7292 appendix B key derivation.
import { createHash, createHmac, createPrivateKey, randomBytes } from 'node:crypto';
import { intFromHex, seq, tlv } from './der';
import { PkiError } from './errors';
import { pemToDer, splitPemChain } from './pem';

const OID = {
  data: '1.2.840.113549.1.7.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
};
const MAC_ITERATIONS = 10000;

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a! + b!];
  for (const n of rest) {
    const groups: number[] = [];
    for (let v = n; ; v = Math.floor(v / 128)) {
      groups.unshift(v % 128);
      if (v < 128) break;
    }
    bytes.push(...groups.map((g, i) => (i < groups.length - 1 ? g | 0x80 : g)));
  }
  return tlv(0x06, Buffer.from(bytes));
}
const octets = (b: Uint8Array) => tlv(0x04, b);
const explicit0 = (...parts: Uint8Array[]) => tlv(0xa0, ...parts);
const set = (...parts: Uint8Array[]) => tlv(0x31, ...parts);
const integer = (n: number) => intFromHex(n.toString(16));
/** BMPString password, as PKCS#12 key derivation wants it: UTF-16BE with a two-byte NUL. */
function bmpPassword(p: string): Buffer {
  const le = Buffer.from(`${p}\0`, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

/** RFC 7292 appendix B.2 key derivation (ID 3 = MAC key) with SHA-256 (u = 32, v = 64). */
export function pkcs12Kdf(password: string, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const u = 32;
  const v = 64;
  const fill = (src: Buffer) => {
    if (!src.length) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(src.length / v));
    for (let i = 0; i < out.length; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const D = Buffer.alloc(v, id);
  let I = Buffer.concat([fill(salt), fill(bmpPassword(password))]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash('sha256').update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash('sha256').update(A).digest();
    out.push(A);
    const B = fill(A).subarray(0, v);
    const next = Buffer.alloc(I.length);
    for (let j = 0; j < I.length / v; j++) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j * v + k]! + B[k]! + carry;
        next[j * v + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
    I = next;
  }
  return Buffer.concat(out).subarray(0, length);
}

function dataContentInfo(content: Buffer): Buffer {
  return seq(oid(OID.data), explicit0(octets(content)));
}

export interface Pkcs12Request {
  /** The private key, PKCS#8 PEM (any algorithm Node's crypto reads). */
  privateKeyPem: string;
  /** The leaf certificate PEM first, then the chain (issuing CA upwards). */
  certificatesPem: string;
  passphrase: string;
  friendlyName?: string;
}

/** A PKCS#12 file (DER) holding the encrypted key, the leaf and its chain. */
export function buildPkcs12(r: Pkcs12Request): Buffer {
  if (!r.passphrase) throw new PkiError('invalid_request', 'a PKCS#12 file needs a passphrase');
  const certs = splitPemChain(r.certificatesPem).map((pem) => Buffer.from(pemToDer(pem)));
  if (!certs.length) throw new PkiError('invalid_request', 'no certificate to put in the PKCS#12 file');
  const encryptedKey = createPrivateKey(r.privateKeyPem).export({
    format: 'der',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: r.passphrase,
  });
  // The key and its certificate share a localKeyId (SHA-1 of the certificate, as OpenSSL does).
  const localKeyId = createHash('sha1').update(certs[0]!).digest();
  const attrs = set(
    seq(oid(OID.localKeyId), set(octets(localKeyId))),
    ...(r.friendlyName ? [seq(oid(OID.friendlyName), set(tlv(0x1e, Buffer.from(r.friendlyName, 'utf16le').swap16())))] : []),
  );
  const certBags = certs.map((der, i) =>
    seq(oid(OID.certBag), explicit0(seq(oid(OID.x509Certificate), explicit0(octets(der)))), ...(i === 0 ? [attrs] : [])),
  );
  const keyBag = seq(oid(OID.pkcs8ShroudedKeyBag), explicit0(encryptedKey), attrs);
  const authSafe = seq(dataContentInfo(seq(...certBags)), dataContentInfo(seq(keyBag)));
  const salt = randomBytes(16);
  const macKey = pkcs12Kdf(r.passphrase, salt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = seq(seq(seq(oid(OID.sha256), tlv(0x05)), octets(mac)), octets(salt), integer(MAC_ITERATIONS));
  return seq(integer(3), dataContentInfo(authSafe), macData);
}

/** The PKCS#8 PEM of a key, encrypted (PBES2, AES-256-CBC) when a passphrase is given. */
export function privateKeyPkcs8Pem(privateKeyPem: string, passphrase?: string): string {
  const key = createPrivateKey(privateKeyPem);
  return passphrase
    ? (key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string)
    : (key.export({ format: 'pem', type: 'pkcs8' }) as string);
}
