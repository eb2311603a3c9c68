import { PkiError } from './errors';
import { exportPrivateKeyPem, exportSpki, generateKeyPair, importPrivateKeyPem, signingAlgorithmFor, type KeyAlgorithm } from './keys';
import {
  checkDays,
  checkPathLength,
  loadIssuer,
  revocationExtensions,
  signCertificate,
  subjectKeyIdExtension,
  subjectName,
  validityWindow,
  type CaCertificate,
  type IssuedCertificateInfo,
} from './issuer';
import { checkSubtreesWithin, nameConstraintsExtension, normalizeNameConstraints, type NameConstraintsSpec } from './name-constraints';
import { x509 } from './provider';

export type { CaCertificate, IssuedCertificateInfo } from './issuer';

export interface RootCaOptions {
  commonName: string;
  organization?: string;
  keyAlgorithm: KeyAlgorithm;
  validityDays: number;
  pathLength?: number;
  /** Written as a critical NameConstraints extension; enforced for everything this CA (and any CA below it) signs. */
  nameConstraints?: NameConstraintsSpec;
}

export interface IntermediateCaOptions extends RootCaOptions {
  issuer: CaCertificate;
  /** Optional revocation pointers for the intermediate itself (published by its issuer). */
  crlDistributionUrl?: string;
  ocspUrl?: string;
  caIssuersUrl?: string;
}

/** A newly created CA: usable as an issuer, plus its PKCS#8 key PEM and certificate details. */
export interface CreatedCa extends CaCertificate, IssuedCertificateInfo {
  privateKeyPem: string;
}

const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;

function caExtensions(pathLength: number | undefined, nameConstraints: Required<NameConstraintsSpec>): x509.Extension[] {
  const nc = nameConstraintsExtension(nameConstraints);
  return [new x509.BasicConstraintsExtension(true, pathLength, true), new x509.KeyUsagesExtension(CA_KEY_USAGE, true), ...(nc ? [nc] : [])];
}

function checkCaOptions(o: RootCaOptions): Required<NameConstraintsSpec> {
  if (!o || typeof o !== 'object') throw new PkiError('invalid_request', 'options are required');
  checkDays(o.validityDays, 'validityDays');
  checkPathLength(o.pathLength);
  return normalizeNameConstraints(o.nameConstraints ?? {});
}

/** A self-signed root CA (CA:true critical, keyCertSign+cRLSign+digitalSignature critical, SKI). */
export async function createRootCa(o: RootCaOptions): Promise<CreatedCa> {
  const nameConstraints = checkCaOptions(o);
  const name = subjectName(o.commonName, o.organization);
  const { notBefore, notAfter } = validityWindow({ validityDays: o.validityDays }, o.validityDays);
  const keys = await generateKeyPair(o.keyAlgorithm);
  const issued = await signCertificate({
    subject: name,
    issuer: name,
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
    notBefore,
    notAfter,
    extensions: [...caExtensions(o.pathLength, nameConstraints), await subjectKeyIdExtension(keys.publicKey)],
  });
  return { ...issued, privateKey: keys.privateKey, publicKey: keys.publicKey, privateKeyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * An intermediate CA signed by `issuer`. Its notAfter is clamped to the issuer's; a
 * pathLength that the issuer's own pathLength does not allow is rejected, and so are
 * permitted subtrees outside what the issuer (and its ancestors) permit.
 */
export async function createIntermediateCa(o: IntermediateCaOptions): Promise<CreatedCa> {
  const nameConstraints = checkCaOptions(o);
  const name = subjectName(o.commonName, o.organization);
  const ctx = await loadIssuer(o.issuer);
  if (ctx.pathLength !== undefined) {
    if (ctx.pathLength === 0) throw new PkiError('invalid_issuer', 'issuer has pathLength 0 and cannot sign CAs');
    if (o.pathLength !== undefined && o.pathLength >= ctx.pathLength) {
      throw new PkiError('invalid_request', `pathLength must be below the issuer's (${ctx.pathLength})`);
    }
  }
  // Every CA above counts the new one too: the ancestor i levels up gets i + 2 CAs below it.
  ctx.ancestors.forEach((a, i) => {
    if (a.pathLength !== undefined && a.pathLength < i + 2) {
      throw new PkiError(
        'invalid_issuer',
        `CA "${a.subject}" above the issuer has pathLength ${a.pathLength}: no room for another CA level`,
      );
    }
  });
  checkSubtreesWithin(nameConstraints, ctx.nameConstraints);
  const { notBefore, notAfter } = validityWindow({ validityDays: o.validityDays }, o.validityDays, ctx.notAfter);
  const extensions = [...caExtensions(o.pathLength, nameConstraints), ...revocationExtensions(o)];
  const keys = await generateKeyPair(o.keyAlgorithm);
  extensions.push(await subjectKeyIdExtension(keys.publicKey), new x509.AuthorityKeyIdentifierExtension(ctx.keyId));
  const issued = await signCertificate({
    subject: name,
    issuer: ctx.name,
    publicKey: keys.publicKey,
    signingKey: ctx.signingKey,
    signingAlgorithm: ctx.signingAlgorithm,
    notBefore,
    notAfter,
    extensions,
  });
  return { ...issued, privateKey: keys.privateKey, publicKey: keys.publicKey, privateKeyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/**
 * Rebuilds a CaCertificate from stored PEMs (e.g. after SecretBox.decrypt), checking that the
 * key belongs to the certificate and that the certificate is a CA.
 */
export async function loadCaCertificate(certificatePem: string, privateKeyPem: string): Promise<CaCertificate> {
  const { privateKey, publicKey } = await importPrivateKeyPem(privateKeyPem);
  const ca: CaCertificate = { certificatePem, privateKey, publicKey };
  await loadIssuer(ca);
  const certSpki = Buffer.from(new x509.X509Certificate(certificatePem).publicKey.rawData);
  if (!certSpki.equals(await exportSpki(publicKey))) {
    throw new PkiError('invalid_issuer', 'private key does not match the CA certificate');
  }
  return ca;
}
