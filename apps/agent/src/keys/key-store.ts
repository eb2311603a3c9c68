import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../targets/file-set';

/**
 * The agent's private keys, one file per key (0600) in the key directory (0700), named by the
 * SHA-256 of the key's SubjectPublicKeyInfo: a certificate finds its key by its own public key.
 */

/** SHA-256 of a DER SubjectPublicKeyInfo, lowercase hex. */
export function spkiHash(spkiDer: Buffer): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}

/** The SPKI hash of a certificate's public key (PEM or DER). */
export function certificateSpkiHash(certificate: string | Buffer): string {
  const spki = new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'der' });
  return spkiHash(spki);
}

/** The SPKI hash of a private key's public half (PKCS#8 PEM). */
export function privateKeySpkiHash(privateKeyPem: string): string {
  const spki = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  return spkiHash(spki);
}

export class KeyStore {
  constructor(private readonly dir: string) {}

  pathFor(hash: string): string {
    return join(this.dir, `${hash}.key.pem`);
  }

  /** Stores a private key (PKCS#8 PEM) 0600 under its SPKI hash; returns the hash. */
  async save(privateKeyPem: string): Promise<string> {
    const hash = privateKeySpkiHash(privateKeyPem);
    await writeFileAtomic(this.pathFor(hash), privateKeyPem, 0o600);
    return hash;
  }

  /** The private key of the certificate (by its public key), or undefined when this host has none. */
  async keyForCertificate(certificatePem: string): Promise<string | undefined> {
    const path = this.pathFor(certificateSpkiHash(certificatePem));
    const found = await stat(path).catch(() => undefined);
    return found ? readFile(path, 'utf8') : undefined;
  }
}
