// Internals shared by CA and leaf issuance: issuer loading, validity windows, names and
// the final sign-and-describe step. Not part of the public API.
import { PkiError } from './errors';
import { exportSpki, signingAlgorithmFor } from './keys';
import { derToPem, fingerprintSha256, toArrayBuffer } from './pem';
import { readNameConstraints, type CaNameConstraints } from './name-constraints';
import { x509, type CryptoKey } from './provider';
import { normalizeSerialHex, randomSerialHex } from './serial';

/** A CA that can sign: its certificate plus the matching key pair. */
export interface CaCertificate {
  certificatePem: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /**
   * The certificates above this CA, nearest first, up to and including its root (PEM). Their
   * name constraints apply to everything this CA signs, as the CA's own do, and their path
   * lengths bound the CAs it may create.
   */
  ancestorsPem?: readonly string[];
}

export interface IssuedCertificateInfo {
  certificatePem: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
}

export interface IssuerContext {
  name: x509.Name;
  notAfter: Date;
  /** hex subjectKeyIdentifier of the issuer (computed from its key when the extension is absent) */
  keyId: string;
  pathLength: number | undefined;
  signingKey: CryptoKey;
  signingAlgorithm: ReturnType<typeof signingAlgorithmFor>;
  /** Name constraints of this CA and of every ancestor given, issuing CA first. */
  nameConstraints: CaNameConstraints[];
  /** Subject and pathLength of every ancestor given, nearest first. */
  ancestors: { subject: string; pathLength: number | undefined }[];
}

export const CLOCK_SKEW_MS = 60_000;

export async function loadIssuer(issuer: CaCertificate): Promise<IssuerContext> {
  if (!issuer || typeof issuer.certificatePem !== 'string') {
    throw new PkiError('invalid_issuer', 'issuer must have a certificatePem');
  }
  let cert: x509.X509Certificate;
  let bc: x509.BasicConstraintsExtension | null;
  let ski: x509.SubjectKeyIdentifierExtension | null;
  try {
    cert = new x509.X509Certificate(issuer.certificatePem);
    bc = cert.getExtension(x509.BasicConstraintsExtension);
    ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  } catch (err) {
    throw new PkiError('invalid_issuer', `cannot parse issuer certificate: ${(err as Error).message}`, { cause: err });
  }
  if (!bc?.ca) throw new PkiError('invalid_issuer', 'issuer certificate is not a CA (basicConstraints CA:false)');
  const signingAlgorithm = signingAlgorithmFor(issuer.privateKey);
  const keyId = ski ? ski.keyId : Buffer.from(await cert.publicKey.getKeyIdentifier()).toString('hex');
  let above = aboveOf.get(issuer);
  if (!above) {
    const ancestors = (issuer.ancestorsPem ?? []).map((pem) => parseCaCertificate(pem));
    above = {
      nameConstraints: [cert, ...ancestors].map(readNameConstraints).filter((c): c is CaNameConstraints => c !== null),
      ancestors: ancestors.map((a) => ({ subject: a.subject, pathLength: a.getExtension(x509.BasicConstraintsExtension)?.pathLength })),
    };
    aboveOf.set(issuer, above);
  }
  return {
    name: cert.subjectName,
    notAfter: cert.notAfter,
    keyId,
    pathLength: bc.pathLength,
    signingKey: issuer.privateKey,
    signingAlgorithm,
    ...above,
  };
}

const aboveOf = new WeakMap<CaCertificate, Pick<IssuerContext, 'nameConstraints' | 'ancestors'>>();

function parseCaCertificate(pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw new PkiError('invalid_issuer', `cannot parse an ancestor CA certificate: ${(err as Error).message}`, { cause: err });
  }
}

const issuerContexts = new WeakMap<CaCertificate, Promise<IssuerContext>>();

/**
 * loadIssuer once per CaCertificate object: a caller that keeps its CA object (the issuance
 * service caches one per issuer) has the CA certificate parsed once, not once per leaf.
 */
export function loadIssuerOnce(issuer: CaCertificate): Promise<IssuerContext> {
  let ctx = issuerContexts.get(issuer);
  if (!ctx) {
    ctx = loadIssuer(issuer);
    issuerContexts.set(issuer, ctx);
    ctx.catch(() => issuerContexts.delete(issuer));
  }
  return ctx;
}

export interface ValidityInput {
  validityDays?: number;
  validitySeconds?: number;
  notBefore?: Date;
}

/**
 * notBefore = the given date or now minus one minute of clock skew; notAfter = notBefore +
 * validity − 1 s, clamped to the issuer's notAfter. RFC 5280 §4.1.2.5 counts both ends, so the
 * certificate's validity period is exactly the validity asked for, never a second (or the
 * backdated minute) more: a 397-day profile yields 397 days, as public-trust lints count them.
 * Whole seconds only, because that is all X.509 time encodes.
 */
export function validityWindow(v: ValidityInput, defaultDays: number, issuerNotAfter?: Date): { notBefore: Date; notAfter: Date } {
  if (v.validityDays !== undefined && v.validitySeconds !== undefined) {
    throw new PkiError('invalid_request', 'give validityDays or validitySeconds, not both');
  }
  const seconds = v.validitySeconds ?? (v.validityDays ?? defaultDays) * 86_400;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new PkiError('invalid_request', 'validity must be a positive number');
  }
  if (v.notBefore !== undefined && (!(v.notBefore instanceof Date) || Number.isNaN(v.notBefore.getTime()))) {
    throw new PkiError('invalid_request', 'notBefore must be a valid Date');
  }
  const now = Date.now();
  const floorSec = (ms: number) => Math.floor(ms / 1000) * 1000;
  const notBefore = floorSec(v.notBefore ? v.notBefore.getTime() : now - CLOCK_SKEW_MS);
  let notAfter = notBefore + Math.max(1, Math.floor(seconds)) * 1000 - 1000;
  if (notAfter > 253_402_300_799_000) throw new PkiError('invalid_request', 'notAfter is beyond year 9999');
  if (issuerNotAfter) {
    if (issuerNotAfter.getTime() <= now) throw new PkiError('issuer_expired', 'issuer certificate has expired');
    notAfter = Math.min(notAfter, floorSec(issuerNotAfter.getTime()));
  }
  if (notAfter < notBefore) throw new PkiError('invalid_request', "validity window is empty (notBefore after the issuer's notAfter?)");
  return { notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

export function checkDays(days: unknown, field: string): void {
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) {
    throw new PkiError('invalid_request', `${field} must be a positive number of days`);
  }
}

export function checkPathLength(pathLength: unknown): void {
  if (pathLength !== undefined && (!Number.isInteger(pathLength) || (pathLength as number) < 0)) {
    throw new PkiError('invalid_request', 'pathLength must be a non-negative integer');
  }
}

/** Subject DN `CN=<commonName>[, O=<organization>]`, built structurally so no escaping is needed. */
export function subjectName(commonName: string, organization?: string): x509.JsonName {
  const check = (v: unknown, field: string) => {
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > 64) {
      throw new PkiError('invalid_request', `${field} must be a non-empty string of at most 64 characters`);
    }
  };
  check(commonName, 'commonName');
  const name: x509.JsonName = [{ CN: [commonName] }];
  if (organization !== undefined) {
    check(organization, 'organization');
    name.push({ O: [organization] });
  }
  return name;
}

export async function subjectKeyIdExtension(publicKey: CryptoKey): Promise<x509.SubjectKeyIdentifierExtension> {
  const spki = await exportSpki(publicKey);
  return x509.SubjectKeyIdentifierExtension.create(toArrayBuffer(spki));
}

/** The CRL distribution point and AIA URLs: http or https, parseable (PkiError('invalid_request') otherwise). */
export function checkRevocationUrls(o: { crlDistributionUrl?: string; ocspUrl?: string; caIssuersUrl?: string }): void {
  for (const u of [o.crlDistributionUrl, o.ocspUrl, o.caIssuersUrl]) {
    if (u !== undefined && (typeof u !== 'string' || !/^https?:\/\//i.test(u) || !URL.canParse(u))) {
      throw new PkiError('invalid_request', `invalid URL "${String(u)}" (http/https only)`);
    }
  }
}

/** Optional CRL distribution point and AIA (OCSP / caIssuers) extensions. */
export function revocationExtensions(o: { crlDistributionUrl?: string; ocspUrl?: string; caIssuersUrl?: string }): x509.Extension[] {
  checkRevocationUrls(o);
  const out: x509.Extension[] = [];
  if (o.crlDistributionUrl) out.push(new x509.CRLDistributionPointsExtension([o.crlDistributionUrl]));
  if (o.ocspUrl || o.caIssuersUrl) {
    out.push(
      new x509.AuthorityInfoAccessExtension({
        ...(o.ocspUrl ? { ocsp: o.ocspUrl } : {}),
        ...(o.caIssuersUrl ? { caIssuers: o.caIssuersUrl } : {}),
      }),
    );
  }
  return out;
}

export interface SignParams {
  subject: x509.JsonName;
  issuer: x509.Name | x509.JsonName;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  signingAlgorithm: ReturnType<typeof signingAlgorithmFor>;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
  /** Only for comparisons in tests; a fresh random serial otherwise. */
  serialNumber?: string;
}

/** Signs the certificate with a fresh random serial and describes the result. */
export async function signCertificate(p: SignParams): Promise<IssuedCertificateInfo> {
  const spki = await exportSpki(p.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: p.serialNumber ?? randomSerialHex(),
    subject: p.subject,
    issuer: p.issuer,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    publicKey: toArrayBuffer(spki),
    signingKey: p.signingKey,
    signingAlgorithm: p.signingAlgorithm,
    extensions: p.extensions,
  });
  const der = new Uint8Array(cert.rawData);
  return {
    certificatePem: derToPem(der, 'CERTIFICATE'),
    serialNumber: normalizeSerialHex(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprintSha256: fingerprintSha256(der),
  };
}
