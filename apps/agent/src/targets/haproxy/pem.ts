import type { DeployMaterial } from '../target';

/** HAProxy's `crt` file: the leaf, then its chain (issuer first), then the private key. */
export function combinedPem(material: DeployMaterial): string {
  const parts = [material.certificatePem, material.chainPem, material.privateKeyPem].map((pem) => pem.trim()).filter(Boolean);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(material.privateKeyPem)) throw new Error('the private key is not a PEM private key');
  return `${parts.join('\n')}\n`;
}
