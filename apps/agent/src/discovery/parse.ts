import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export type DiscoveredFormat = 'pem' | 'der' | 'pkcs12';

export interface FoundCertificate {
  format: DiscoveredFormat;
  certificate_pem: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pemOf(der: Buffer): string {
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

function asCertificate(der: Buffer): string | undefined {
  try {
    return pemOf(Buffer.from(new X509Certificate(der).raw));
  } catch {
    return undefined;
  }
}

function fromPem(text: string): FoundCertificate[] {
  const found: FoundCertificate[] = [];
  for (const block of text.match(PEM_CERT) ?? []) {
    const pem = asCertificate(Buffer.from(block));
    if (pem) found.push({ format: 'pem', certificate_pem: pem });
  }
  return found;
}

function fromPkcs12(bytes: Buffer): FoundCertificate[] {
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    const p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, '');
    const bags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    const found: FoundCertificate[] = [];
    for (const bag of bags) {
      // node-forge decodes RSA certificates only; any other key type comes as the bag's raw ASN.1.
      const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
      if (!asn1) continue;
      const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
      const pem = asCertificate(der);
      if (pem) found.push({ format: 'pkcs12', certificate_pem: pem });
    }
    return found;
  } catch {
    return [];
  }
}

/**
 * The certificates a file holds: every certificate of a PEM file, a DER certificate, or the
 * certificates of a PKCS#12 without password. Keys, CSRs and anything else give none.
 */
export function certificatesIn(bytes: Buffer): FoundCertificate[] {
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) return fromPem(text);
  const der = asCertificate(bytes);
  if (der) return [{ format: 'der', certificate_pem: der }];
  return bytes[0] === 0x30 ? fromPkcs12(bytes) : [];
}
