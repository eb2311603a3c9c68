import { writeFileSync } from 'node:fs';
import { createIntermediateCa, createRootCa } from './ca';
import { signLeaf } from './certificate';
import { exportPrivateKeyPem, generateKeyPair, type KeyAlgorithm } from './keys';
import { buildPkcs12, privateKeyPkcs8Pem } from './pkcs12';
import { openssl, opensslOk, scratchDir } from '../test/openssl';

// PKCS#12 and PEM exports of a server-generated leaf key, read back by the openssl CLI.
describe('private key exports', () => {
  const dir = scratchDir();
  afterAll(() => dir.cleanup());

  async function leafWithChain(alg: KeyAlgorithm) {
    const root = await createRootCa({
      commonName: `P12 Root ${alg}`,
      organization: 'Certctl Test',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 30,
    });
    const inter = await createIntermediateCa({
      issuer: root,
      commonName: `P12 Intermediate ${alg}`,
      organization: 'Certctl Test',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 30,
    });
    const keys = await generateKeyPair(alg);
    const leaf = await signLeaf({
      issuer: inter,
      subjectPublicKey: keys.publicKey,
      commonName: 'p12.example.com',
      sans: ['p12.example.com'],
    });
    return { keyPem: await exportPrivateKeyPem(keys.privateKey), leaf, chain: `${inter.certificatePem}${root.certificatePem}` };
  }

  it.each<KeyAlgorithm>(['ECDSA-P256', 'RSA-2048', 'Ed25519'])(
    'ok/%s: openssl opens the PKCS#12 with the passphrase; it holds the key, the leaf and the chain, and the key matches the leaf',
    async (alg) => {
      const { keyPem, leaf, chain } = await leafWithChain(alg);
      const p12 = buildPkcs12({
        privateKeyPem: keyPem,
        certificatesPem: `${leaf.certificatePem}${chain}`,
        passphrase: 'correct horse',
        friendlyName: 'p12.example.com',
      });
      const file = dir.write(`${alg}.p12`, '');
      writeFileSync(file, p12);
      const out = opensslOk(['pkcs12', '-in', file, '-passin', 'pass:correct horse', '-nodes']);
      expect(out.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
      expect(out).toContain('BEGIN PRIVATE KEY');
      expect(out).toContain('friendlyName: p12.example.com');
      const info = openssl(['pkcs12', '-in', file, '-passin', 'pass:correct horse', '-info', '-noout']);
      expect(info.stderr).toMatch(/MAC: sha256/);
      expect(info.stderr).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
      const keyOut = opensslOk(['pkcs12', '-in', file, '-passin', 'pass:correct horse', '-nocerts', '-nodes']);
      const certOut = opensslOk(['pkcs12', '-in', file, '-passin', 'pass:correct horse', '-clcerts', '-nokeys']);
      expect(opensslOk(['pkey', '-pubout'], keyOut)).toBe(opensslOk(['x509', '-noout', '-pubkey'], certOut));
    },
  );

  it('fail/a wrong passphrase does not open the PKCS#12 (MAC check)', async () => {
    const { keyPem, leaf, chain } = await leafWithChain('ECDSA-P256');
    const file = dir.write('wrong.p12', '');
    writeFileSync(
      file,
      buildPkcs12({ privateKeyPem: keyPem, certificatesPem: `${leaf.certificatePem}${chain}`, passphrase: 'right passphrase' }),
    );
    const r = openssl(['pkcs12', '-in', file, '-passin', 'pass:wrong passphrase', '-nodes']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/mac verify (failure|error)|invalid password/i);
  });

  it('ok/PEM export: plain PKCS#8, or encrypted PKCS#8 that only the passphrase opens', async () => {
    const { keyPem } = await leafWithChain('ECDSA-P256');
    expect(privateKeyPkcs8Pem(keyPem)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const enc = privateKeyPkcs8Pem(keyPem, 'pem passphrase');
    expect(enc).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(opensslOk(['pkey', '-passin', 'pass:pem passphrase', '-pubout'], enc)).toBe(opensslOk(['pkey', '-pubout'], keyPem));
    expect(openssl(['pkey', '-passin', 'pass:not it at all', '-pubout'], enc).status).not.toBe(0);
  });
});
