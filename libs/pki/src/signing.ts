import { PkiError } from './errors';
import { ecdsaRawToDer } from './der';
import { signingAlgorithmFor } from './keys';
import { subtle, type CryptoKey } from './provider';

const ALG_IDS: Record<string, string> = {
  'ECDSA/SHA-256': '300a06082a8648ce3d040302', // ecdsa-with-SHA256
  'ECDSA/SHA-384': '300a06082a8648ce3d040303', // ecdsa-with-SHA384
  'RSASSA-PKCS1-v1_5/SHA-256': '300d06092a864886f70d01010b0500', // sha256WithRSAEncryption
  'Ed25519/': '300506032b6570', // id-Ed25519
};

function algKey(key: CryptoKey): string {
  const p = signingAlgorithmFor(key) as { name: string; hash?: string | { name: string } };
  const hash = typeof p.hash === 'string' ? p.hash : (p.hash?.name ?? '');
  return `${p.name}/${hash}`;
}

/** DER AlgorithmIdentifier of the signature a key makes (the same choice as certificate signing). */
export function signatureAlgorithmDer(key: CryptoKey): Buffer {
  const hex = ALG_IDS[algKey(key)];
  if (!hex) throw new PkiError('unsupported_key', `no signature algorithm for ${algKey(key)}`);
  return Buffer.from(hex, 'hex');
}

/** Signs `data` with the key; ECDSA signatures come back DER-encoded as X.509 expects. */
export async function signDer(key: CryptoKey, data: Uint8Array): Promise<Buffer> {
  const p = signingAlgorithmFor(key) as { name: string; hash?: string };
  const sig = new Uint8Array(await subtle.sign(p as never, key, data as never));
  return p.name === 'ECDSA' ? ecdsaRawToDer(sig) : Buffer.from(sig);
}
