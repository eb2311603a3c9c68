// The hot path of leaf issuance: a TBSCertificate written as DER and signed with node:crypto,
// instead of building the certificate through @peculiar/x509's generic ASN.1 object model
// (which, per certificate, cost more than key generation and signing together). The bytes are
// the same as that library writes for the same request: the extensions that do not depend on
// the subject key or names come from the library itself, built once per distinct value and
// cached; the per-certificate parts (serial, validity, subject, key, SAN, SKI) are written here.
// leaf-der.spec.ts compares both byte for byte.
import { createHash, KeyObject, sign as nodeSign } from 'node:crypto';
import { bitString, intFromHex, seq, time, tlv } from './der';
import { PkiError } from './errors';
import type { IssuerContext } from './issuer';
import { x509, type CryptoKey } from './provider';
import { sanExtension, type SubjectAltName } from './san';
import { signatureAlgorithmDer } from './signing';

const VERSION_3 = Buffer.from('a003020102', 'hex');
const OID_CN = Buffer.from('0603550403', 'hex');
const OID_SKI = Buffer.from('0603551d0e', 'hex');

/** The issuer's parts of every TBSCertificate it signs, computed once per issuer context. */
interface IssuerDer {
  nameDer: Buffer;
  signatureAlgorithm: Buffer;
  authorityKeyId: Buffer;
  key: KeyObject;
  hash: string | null;
}
const issuerDer = new WeakMap<IssuerContext, IssuerDer>();

function issuerPartsOf(ctx: IssuerContext): IssuerDer {
  let parts = issuerDer.get(ctx);
  if (!parts) {
    const alg = ctx.signingAlgorithm as { name: string; hash?: string | { name: string } };
    const hash = typeof alg.hash === 'string' ? alg.hash : alg.hash?.name;
    parts = {
      nameDer: Buffer.from(ctx.name.toArrayBuffer()),
      signatureAlgorithm: signatureAlgorithmDer(ctx.signingKey),
      authorityKeyId: extensionDer(new x509.AuthorityKeyIdentifierExtension(ctx.keyId)),
      key: KeyObject.from(ctx.signingKey),
      // node:crypto digest names: sha256 / sha384; Ed25519 signs without one.
      hash: alg.name === 'Ed25519' ? null : (hash ?? 'SHA-256').replace('-', '').toLowerCase(),
    };
    issuerDer.set(ctx, parts);
  }
  return parts;
}

const extensionDer = (ext: x509.Extension): Buffer => Buffer.from(ext.rawData);

/**
 * Extensions that depend only on a small set of values (key usage flags, EKU list, CRL and AIA
 * URLs): built by @peculiar/x509 once per distinct value, then reused. Bounded, in case a caller
 * sends endless distinct URLs.
 */
const constantExtensions = new Map<string, Buffer>();
function cachedExtension(key: string, build: () => x509.Extension | Buffer): Buffer {
  let der = constantExtensions.get(key);
  if (!der) {
    const ext = build();
    der = Buffer.isBuffer(ext) ? ext : extensionDer(ext);
    if (constantExtensions.size >= 1000) constantExtensions.clear();
    constantExtensions.set(key, der);
  }
  return der;
}

// @peculiar/x509 writes a value of only these characters as PrintableString, anything else as UTF8String.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** Subject `CN=<commonName>`, encoded as @peculiar/x509's JsonName would be. */
function subjectDer(commonName: string): Buffer {
  // Values the library treats specially (a leading '#' is hex, quotes are stripped): let it encode them.
  if (commonName.startsWith('#') || commonName.includes('"')) {
    return Buffer.from(new x509.Name([{ CN: [commonName] }]).toArrayBuffer());
  }
  const value = PRINTABLE.test(commonName) ? tlv(0x13, Buffer.from(commonName, 'ascii')) : tlv(0x0c, Buffer.from(commonName, 'utf8'));
  return seq(tlv(0x31, seq(OID_CN, value)));
}

const SAN_TAGS: Record<string, number> = { dns: 0x82, email: 0x81, uri: 0x86 };

/** subjectAltName (non-critical); IP addresses are left to the library's encoder. */
function sanDer(sans: readonly SubjectAltName[]): Buffer {
  if (sans.some((s) => s.type === 'ip')) return extensionDer(sanExtension(sans));
  const names = sans.map((s) => tlv(SAN_TAGS[s.type] as number, Buffer.from(s.value, 'ascii')));
  return seq(Buffer.from('0603551d11', 'hex'), tlv(0x04, seq(...names)));
}

/** subjectKeyIdentifier: SHA-1 of the subjectPublicKey BIT STRING's value (RFC 5280 §4.2.1.2, method 1). */
function subjectKeyIdDer(spki: Buffer): Buffer {
  const keyBits = readSpkiKeyBits(spki);
  const id = createHash('sha1').update(keyBits).digest();
  return seq(OID_SKI, tlv(0x04, tlv(0x04, id)));
}

/** The BIT STRING contents (without the unused-bits octet) of a DER SubjectPublicKeyInfo. */
function readSpkiKeyBits(spki: Buffer): Buffer {
  const header = (buf: Buffer, at: number): { start: number; end: number } => {
    const first = buf[at + 1] as number;
    if (first < 0x80) return { start: at + 2, end: at + 2 + first };
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] as number);
    return { start: at + 2 + n, end: at + 2 + n + len };
  };
  const outer = header(spki, 0);
  const algorithm = header(spki, outer.start);
  const bits = header(spki, algorithm.end);
  if (spki[algorithm.end] !== 0x03) throw new PkiError('bad_key', 'subject public key info has no BIT STRING');
  return spki.subarray(bits.start + 1, bits.end);
}

export interface LeafDerRequest {
  ctx: IssuerContext;
  serialHex: string;
  commonName: string;
  subjectPublicKey: CryptoKey;
  notBefore: Date;
  notAfter: Date;
  keyUsageFlags: number;
  ekuOids: readonly string[];
  sans: readonly SubjectAltName[];
  crlDistributionUrl?: string;
  ocspUrl?: string;
  caIssuersUrl?: string;
}

/**
 * The signed certificate's DER. Extensions in the order signLeaf has always written them:
 * basicConstraints, keyUsage, EKU, SAN, SKI, AKI, CRL distribution point, AIA.
 */
export function signLeafDer(r: LeafDerRequest): Buffer {
  const issuer = issuerPartsOf(r.ctx);
  const spki = KeyObject.from(r.subjectPublicKey).export({ type: 'spki', format: 'der' });
  const crlAia = [r.crlDistributionUrl, r.ocspUrl, r.caIssuersUrl];
  const extensions: Buffer[] = [
    cachedExtension('bc', () => new x509.BasicConstraintsExtension(false, undefined, true)),
    cachedExtension(`ku:${r.keyUsageFlags}`, () => new x509.KeyUsagesExtension(r.keyUsageFlags, true)),
    ...(r.ekuOids.length > 0
      ? [cachedExtension(`eku:${r.ekuOids.join(',')}`, () => new x509.ExtendedKeyUsageExtension([...r.ekuOids]))]
      : []),
    ...(r.sans.length > 0 ? [sanDer(r.sans)] : []),
    subjectKeyIdDer(spki),
    issuer.authorityKeyId,
    ...(r.crlDistributionUrl
      ? [cachedExtension(`crl:${r.crlDistributionUrl}`, () => new x509.CRLDistributionPointsExtension([r.crlDistributionUrl!]))]
      : []),
    ...(r.ocspUrl || r.caIssuersUrl
      ? [
          cachedExtension(
            `aia:${JSON.stringify(crlAia.slice(1))}`,
            () =>
              new x509.AuthorityInfoAccessExtension({
                ...(r.ocspUrl ? { ocsp: r.ocspUrl } : {}),
                ...(r.caIssuersUrl ? { caIssuers: r.caIssuersUrl } : {}),
              }),
          ),
        ]
      : []),
  ];
  const tbs = seq(
    VERSION_3,
    intFromHex(r.serialHex),
    issuer.signatureAlgorithm,
    issuer.nameDer,
    seq(time(r.notBefore), time(r.notAfter)),
    subjectDer(r.commonName),
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature =
    issuer.hash === null
      ? nodeSign(null, tbs, issuer.key)
      : r.ctx.signingKey.algorithm.name === 'ECDSA'
        ? nodeSign(issuer.hash, tbs, { key: issuer.key, dsaEncoding: 'der' })
        : nodeSign(issuer.hash, tbs, issuer.key);
  return seq(tbs, issuer.signatureAlgorithm, bitString(signature));
}
