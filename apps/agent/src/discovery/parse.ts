import { certificatePemOfDer, pemCertificates, pkcs12Contents } from '@certctl/pki';

export type DiscoveredFormat = 'pem' | 'der' | 'pkcs12';

export interface FoundCertificate {
  format: DiscoveredFormat;
  certificate_pem: string;
}

function fromPkcs12(bytes: Buffer): string[] {
  try {
    return pkcs12Contents(bytes, '').certificates;
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
  if (text.includes('-----BEGIN ')) return pemCertificates(text).map((pem) => ({ format: 'pem', certificate_pem: pem }));
  const der = certificatePemOfDer(bytes);
  if (der) return [{ format: 'der', certificate_pem: der }];
  return bytes[0] === 0x30 ? fromPkcs12(bytes).map((pem) => ({ format: 'pkcs12', certificate_pem: pem })) : [];
}
