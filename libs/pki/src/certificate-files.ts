import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge, { type Bag } from 'node-forge';

/** Certificates as they sit in files: PEM bundles, DER certificates and PKCS#12 (agent discovery, `certctl certs import`). */

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PEM_PLAIN_PRIVATE_KEY = /-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

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

/** The first unencrypted private key block of PEM text (PKCS#8, SEC1 or PKCS#1) as PKCS#8 PEM, if any. */
export function pemPrivateKey(text: string): string | undefined {
  const block = PEM_PLAIN_PRIVATE_KEY.exec(text)?.[0];
  return block ? (createPrivateKey(block).export({ type: 'pkcs8', format: 'pem' }) as string) : undefined;
}

/** Whether `keyPem` is the private key of the certificate `certificatePem`; an unreadable key throws. */
export function privateKeyMatchesCertificate(keyPem: string, certificatePem: string): boolean {
  return new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem));
}

/**
 * The certificates of a PKCS#12 file (its MAC checked with `password`: a wrong one throws) and
 * whether it holds a private key. node-forge decodes RSA certificates only; any other key type
 * comes as the bag's raw ASN.1, read here as DER.
 */
export function pkcs12Contents(bytes: Buffer, password: string): { certificates: string[]; holdsKey: boolean; privateKeyPem?: string } {
  const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary'))), false, password);
  const bagsOf = (bagType: string | undefined) => (bagType ? (p12.getBags({ bagType })[bagType] ?? []) : []);
  const certificates: string[] = [];
  for (const bag of bagsOf(forge.pki.oids.certBag)) {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    const pem = asn1 ? certificatePemOfDer(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary')) : undefined;
    if (pem) certificates.push(pem);
  }
  const keyBags = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(forge.pki.oids.keyBag)];
  return { certificates, holdsKey: keyBags.length > 0, privateKeyPem: keyBags[0] ? keyBagPem(keyBags[0]) : undefined };
}

/** A key bag's key as PKCS#8 PEM: node-forge decodes RSA keys only; any other comes as the bag's PrivateKeyInfo. */
function keyBagPem(bag: Bag): string | undefined {
  const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
  if (!info) return undefined;
  const der = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
}
