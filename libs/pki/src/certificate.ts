import { X509Certificate } from 'node:crypto';
import { PkiError } from './errors';
import { describeKey, describeSpki, type KeyType } from './keys';
import {
  checkRevocationUrls,
  loadIssuerOnce,
  revocationExtensions,
  signCertificate,
  subjectKeyIdExtension,
  subjectName,
  validityWindow,
  type CaCertificate,
  type IssuedCertificateInfo,
} from './issuer';
import { checkNameConstraints } from './name-constraints';
import { derToPem, fingerprintSha256, pemToDerWithLabel, toArrayBuffer } from './pem';
import { signLeafDer } from './leaf-der';
import { checkLeafPolicy, defaultKeyUsages, type KeyUsageName, type LeafPolicy } from './policy';
import { x509, type CryptoKey } from './provider';
import { classifySans, readSans, sanExtension, sanFromCommonName } from './san';
import { normalizeSerialHex, randomSerialHex } from './serial';

export type ExtendedKeyUsageName = 'serverAuth' | 'clientAuth' | 'emailProtection' | 'codeSigning' | 'timeStamping' | 'ocspSigning';

const EKU_OIDS: Record<ExtendedKeyUsageName, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
  emailProtection: x509.ExtendedKeyUsage.emailProtection,
  codeSigning: x509.ExtendedKeyUsage.codeSigning,
  timeStamping: x509.ExtendedKeyUsage.timeStamping,
  ocspSigning: x509.ExtendedKeyUsage.ocspSigning,
};

export const DEFAULT_LEAF_VALIDITY_DAYS = 90;

export interface LeafRequest {
  issuer: CaCertificate;
  subjectPublicKey: CryptoKey;
  commonName: string;
  sans: string[];
  /** Lifetime; give at most one of validityDays / validitySeconds (default 90 days). */
  validityDays?: number;
  validitySeconds?: number;
  notBefore?: Date;
  /** Default ['serverAuth']; an empty list omits the extendedKeyUsage extension. */
  ekus?: ExtendedKeyUsageName[];
  crlDistributionUrl?: string;
  ocspUrl?: string;
  caIssuersUrl?: string;
  /** Key usages asked for; refused unless they fit the key type (default: exactly those of the key type). */
  keyUsages?: KeyUsageName[];
  /** The certificate profile, checked here again before signing (PkiError('profile_violation')). */
  policy?: LeafPolicy;
}

export interface CertificateInfo {
  serialNumber: string;
  subject: string;
  issuer: string;
  commonName: string | null;
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
  keyType: KeyType | 'unknown';
  keySize: number;
  isCa: boolean;
}

function ekuOidsOf(ekus: readonly ExtendedKeyUsageName[] | undefined): string[] {
  const list: readonly ExtendedKeyUsageName[] = ekus ?? ['serverAuth'];
  if (!Array.isArray(list as unknown)) throw new PkiError('invalid_request', 'ekus must be an array');
  const oids = [...new Set(list)].map((name) => {
    const oid = Object.prototype.hasOwnProperty.call(EKU_OIDS, name) ? EKU_OIDS[name] : undefined;
    if (!oid) throw new PkiError('invalid_request', `unknown extended key usage "${String(name)}"`);
    return oid;
  });
  return oids;
}

/**
 * Issues an end-entity certificate. Extensions: basicConstraints CA:false (critical),
 * keyUsage digitalSignature (+keyEncipherment for RSA subject keys under serverAuth or emailProtection,
 * critical), EKU, SAN
 * (the common name is added when it is a host name or IP not already listed), SKI, AKI,
 * and CRL distribution point / AIA only when their URLs are given. The signature algorithm
 * follows the issuer's key; notAfter never exceeds the issuer's notAfter. Before signing, the
 * names are checked against the name constraints of the issuer and its ancestors
 * (PkiError('name_constraint_violation')) and the request against `policy` (PkiError('profile_violation')).
 */
export async function signLeaf(r: LeafRequest): Promise<IssuedCertificateInfo> {
  const p = await prepareLeaf(r);
  const serialHex = randomSerialHex();
  const der = signLeafDer({
    ctx: p.ctx,
    serialHex,
    commonName: r.commonName,
    subjectPublicKey: r.subjectPublicKey,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    keyUsageFlags: p.usage,
    ekuOids: p.ekuOids,
    sans: p.sans,
    crlDistributionUrl: r.crlDistributionUrl,
    ocspUrl: r.ocspUrl,
    caIssuersUrl: r.caIssuersUrl,
  });
  return {
    certificatePem: derToPem(der, 'CERTIFICATE'),
    serialNumber: serialHex,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    fingerprintSha256: fingerprintSha256(der),
  };
}

/** Every check of a leaf request and what the certificate is made of (the validity, the names, the usages). */
async function prepareLeaf(r: LeafRequest) {
  if (!r || typeof r !== 'object') throw new PkiError('invalid_request', 'leaf request is required');
  subjectName(r.commonName);
  const subjectKey = describeKey(r.subjectPublicKey);
  if (r.subjectPublicKey.type !== 'public') throw new PkiError('bad_key', 'subjectPublicKey must be a public key');

  const sans = classifySans(r.sans ?? []);
  const fromCn = sanFromCommonName(r.commonName);
  if (fromCn && !sans.some((s) => s.type === fromCn.type && s.value === fromCn.value)) sans.unshift(fromCn);

  const ekuOids = ekuOidsOf(r.ekus);
  checkLeafPolicy(
    {
      key: subjectKey,
      sans,
      ekus: r.ekus ?? ['serverAuth'],
      validitySeconds: r.validitySeconds ?? (r.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS) * 86_400,
      keyUsages: r.keyUsages,
    },
    r.policy,
  );
  const ctx = await loadIssuerOnce(r.issuer);
  checkNameConstraints(sans, ctx.nameConstraints);
  const { notBefore, notAfter } = validityWindow(r, DEFAULT_LEAF_VALIDITY_DAYS, ctx.notAfter);
  checkRevocationUrls(r);

  const usage = (r.keyUsages ?? defaultKeyUsages(subjectKey.algorithm, r.ekus ?? ['serverAuth'])).reduce(
    (flags, u) => flags | x509.KeyUsageFlags[u],
    0,
  );
  return { ctx, sans, ekuOids, usage, notBefore, notAfter };
}

/**
 * signLeaf through @peculiar/x509's certificate generator, as it was built before the DER
 * writer (leaf-der.ts): the reference the DER writer is compared with, byte for byte
 * (leaf-der.spec.ts). Not used for issuance.
 */
export async function signLeafWithX509Library(r: LeafRequest, serialNumber?: string): Promise<IssuedCertificateInfo> {
  const { ctx, sans, ekuOids, usage, notBefore, notAfter } = await prepareLeaf(r);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    ...(ekuOids.length > 0 ? [new x509.ExtendedKeyUsageExtension(ekuOids)] : []),
    ...(sans.length > 0 ? [sanExtension(sans)] : []),
    await subjectKeyIdExtension(r.subjectPublicKey),
    new x509.AuthorityKeyIdentifierExtension(ctx.keyId),
    ...revocationExtensions(r),
  ];
  return signCertificate({
    subject: subjectName(r.commonName),
    issuer: ctx.name,
    publicKey: r.subjectPublicKey,
    signingKey: ctx.signingKey,
    signingAlgorithm: ctx.signingAlgorithm,
    notBefore,
    notAfter,
    extensions,
    serialNumber,
  });
}

/** The fields of a certificate that a stored version records. */
export type CertificateSummary = Pick<
  CertificateInfo,
  'serialNumber' | 'notBefore' | 'notAfter' | 'fingerprintSha256' | 'keyType' | 'keySize'
>;

/**
 * Serial, validity, SHA-256 fingerprint and key of the first CERTIFICATE in `pem`, read with
 * node:crypto: what parseCertificate answers for these fields at a fraction of its cost (it
 * runs once per issued certificate). PkiError('bad_certificate') on anything unparseable.
 */
export function certificateSummary(pem: string): CertificateSummary {
  const der = pemToDerWithLabel(pem, ['CERTIFICATE'], 'bad_certificate');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new PkiError('bad_certificate', `cannot parse certificate: ${(err as Error).message}`, { cause: err });
  }
  const key = describeSpki(cert.publicKey.export({ type: 'spki', format: 'der' }));
  return {
    serialNumber: normalizeSerialHex(cert.serialNumber),
    // OpenSSL's "Mon DD HH:MM:SS YYYY GMT", whole seconds.
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprintSha256: fingerprintSha256(der),
    keyType: key.keyType,
    keySize: key.keySize,
  };
}

/** Details of the first CERTIFICATE in `pem`; throws PkiError('bad_certificate') on anything unparseable. */
export async function parseCertificate(pem: string): Promise<CertificateInfo> {
  const der = pemToDerWithLabel(pem, ['CERTIFICATE'], 'bad_certificate');
  try {
    const cert = new x509.X509Certificate(toArrayBuffer(der));
    const key = describeSpki(new Uint8Array(cert.publicKey.rawData));
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    return {
      serialNumber: normalizeSerialHex(cert.serialNumber),
      subject: cert.subject,
      issuer: cert.issuer,
      commonName: cert.subjectName.getField('CN')[0] ?? null,
      sans: readSans(cert.getExtension('2.5.29.17')),
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      fingerprintSha256: fingerprintSha256(der),
      keyType: key.keyType,
      keySize: key.keySize,
      isCa: bc?.ca === true,
    };
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError('bad_certificate', `cannot parse certificate: ${(err as Error).message}`, { cause: err });
  }
}
