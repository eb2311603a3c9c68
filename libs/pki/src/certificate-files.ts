import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** Certificates as they sit in files: PEM bundles, DER certificates and PKCS#12 (agent discovery, `certctl certs import`). */

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** A certificate's DER as normalized PEM, or undefined when it is not a certificate. */
export function certificatePemOfDer(der: Buffer): string | undefined {
  try {
    const body = Buffer.from(new X509Certificate(der).raw)
      .toString('base64')
      .replace(/(.{64})/g, '$1\n')
      .trim();
    return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  } catch {
    return undefined;
  }
}

/** Every parsable CERTIFICATE block of PEM text, normalized. */
export function pemCertificates(text: string): string[] {
  return (text.match(PEM_CERT) ?? []).map((block) => certificatePemOfDer(Buffer.from(block))).filter((pem) => pem !== undefined);
}

/** Whether PEM text holds a private key block. */
export const pemHoldsPrivateKey = (text: string): boolean => PEM_PRIVATE_KEY.test(text);

/**
 * The certificates of a PKCS#12 file (its MAC checked with `password`: a wrong one throws) and
 * whether it holds a private key. node-forge decodes RSA certificates only; any other key type
 * comes as the bag's raw ASN.1, read here as DER.
 */
export function pkcs12Contents(bytes: Buffer, password: string): { certificates: string[]; holdsKey: boolean } {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary'))), false, password);
  const bagsOf = (bagType: string | undefined) => (bagType ? (p12.getBags({ bagType })[bagType] ?? []) : []);
  const certificates: string[] = [];
  for (const bag of bagsOf(forge.pki.oids.certBag)) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    const pem = asn1 ? certificatePemOfDer(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')) : undefined;
    if (pem) certificates.push(pem);
  }
  const holdsKey = bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag).length + bagsOf(forge.pki.oids.keyBag).length > 0;
  return { certificates, holdsKey };
}
