import { createPrivateKey, createPublicKey } from 'node:crypto';
import { createRootCa } from './ca';
import { signLeaf } from './certificate';
import { pemPrivateKey, pkcs12Contents, privateKeyMatchesCertificate } from './certificate-files';
import { exportPrivateKeyPem, generateKeyPair, type KeyAlgorithm } from './keys';
import { buildPkcs12 } from './pkcs12';

// The private key of a file given to `certctl certs import --with-key`: PEM bundles and PKCS#12.
const spkiOf = (keyPem: string) => createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' }).toString('base64');

async function leafAndKey(alg: KeyAlgorithm) {
  const root = await createRootCa({ commonName: `Files Root ${alg}`, keyAlgorithm: 'ECDSA-P256', validityDays: 30 });
  const keys = await generateKeyPair(alg);
  const leaf = await signLeaf({
    issuer: root,
    subjectPublicKey: keys.publicKey,
    commonName: 'files.example.com',
    sans: ['files.example.com'],
  });
  return { root, leafPem: leaf.certificatePem, keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

describe('private keys in certificate files', () => {
  it.each<KeyAlgorithm>(['ECDSA-P256', 'RSA-2048'])('%s: the key of a PKCS#12 file comes out as PKCS#8 PEM, the same key', async (alg) => {
    const { root, leafPem, keyPem } = await leafAndKey(alg);
    const p12 = buildPkcs12({ privateKeyPem: keyPem, certificatesPem: `${leafPem}${root.certificatePem}`, passphrase: 'right passphrase' });
    const contents = pkcs12Contents(p12, 'right passphrase');
    expect(contents.holdsKey).toBe(true);
    expect(contents.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(spkiOf(contents.privateKeyPem!)).toBe(spkiOf(keyPem));
    expect(() => pkcs12Contents(p12, 'wrong passphrase')).toThrow();
  });

  it('the key of a PEM bundle (SEC1 or PKCS#8 beside the certificates) as PKCS#8; none without one', async () => {
    const { leafPem, keyPem } = await leafAndKey('ECDSA-P256');
    const sec1 = createPrivateKey(keyPem).export({ type: 'sec1', format: 'pem' }) as string;
    for (const key of [keyPem, sec1]) {
      const found = pemPrivateKey(`${leafPem}${key}`);
      expect(found).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(spkiOf(found!)).toBe(spkiOf(keyPem));
    }
    expect(pemPrivateKey(leafPem)).toBeUndefined();
  });

  it("privateKeyMatchesCertificate: true for the certificate's key, false for another", async () => {
    const { leafPem, keyPem } = await leafAndKey('ECDSA-P256');
    const other = await exportPrivateKeyPem((await generateKeyPair('ECDSA-P256')).privateKey);
    expect(privateKeyMatchesCertificate(keyPem, leafPem)).toBe(true);
    expect(privateKeyMatchesCertificate(other, leafPem)).toBe(false);
    expect(() => privateKeyMatchesCertificate('not a key', leafPem)).toThrow();
  });
});
