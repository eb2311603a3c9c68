import { createIntermediateCa, createRootCa, type CreatedCa } from './ca';
import { parseCertificate, signLeaf } from './certificate';
import { generateKeyPair, KEY_ALGORITHMS, type KeyAlgorithm } from './keys';
import type { IssuedCertificateInfo } from './issuer';
import { OPENSSL_KEY_TEXT } from '@certctl/testing';
import { certText, scratchDir, verifyChain } from '../test/openssl';

// Every key algorithm as root → intermediate → leaf, checked by `openssl verify`.
// All chains are built concurrently in beforeAll (RSA-4096 key generation dominates).
interface Chain {
  root: CreatedCa;
  inter: CreatedCa;
  leaf: IssuedCertificateInfo;
}

const SIG_ALG: Record<KeyAlgorithm, string> = {
  'ECDSA-P256': 'ecdsa-with-SHA256',
  'ECDSA-P384': 'ecdsa-with-SHA384',
  'RSA-2048': 'sha256WithRSAEncryption',
  'RSA-3072': 'sha256WithRSAEncryption',
  'RSA-4096': 'sha256WithRSAEncryption',
  Ed25519: 'ED25519',
};
const KEY_TEXT = OPENSSL_KEY_TEXT;

async function buildChain(alg: KeyAlgorithm, leafAlg: KeyAlgorithm = alg, interAlg: KeyAlgorithm = alg): Promise<Chain> {
  const [root, leafKeys] = await Promise.all([
    createRootCa({ commonName: `Root ${alg}`, organization: 'Certctl Test', keyAlgorithm: alg, validityDays: 3650, pathLength: 1 }),
    generateKeyPair(leafAlg),
  ]);
  const inter = await createIntermediateCa({
    issuer: root,
    commonName: `Intermediate ${interAlg}`,
    organization: 'Certctl Test',
    keyAlgorithm: interAlg,
    validityDays: 1825,
    pathLength: 0,
  });
  const leaf = await signLeaf({
    issuer: inter,
    subjectPublicKey: leafKeys.publicKey,
    commonName: `${leafAlg.toLowerCase()}.example.com`,
    sans: ['www.example.com', '10.0.0.1'],
    validityDays: 30,
  });
  return { root, inter, leaf };
}

describe('certificate chains (openssl verify)', () => {
  const tmp = scratchDir();
  const chains = new Map<string, Chain>();

  beforeAll(async () => {
    const built = await Promise.all([
      ...KEY_ALGORITHMS.map(async (alg) => [alg, await buildChain(alg)] as const),
      (async () => ['mixed', await buildChain('RSA-2048', 'Ed25519', 'ECDSA-P384')] as const)(),
    ]);
    for (const [name, chain] of built) chains.set(name, chain);
  }, 60_000);
  afterAll(() => tmp.cleanup());

  it.each(KEY_ALGORITHMS.map((alg) => [`ok/${alg}`, alg] as const))('%s: chain verifies', (_name, alg) => {
    const c = chains.get(alg) as Chain;
    const r = verifyChain(tmp, alg, { root: c.root.certificatePem, inter: c.inter.certificatePem, leaf: c.leaf.certificatePem }, [
      '-x509_strict',
      '-purpose',
      'sslserver',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/: OK\n$/);

    // The leaf key and all signatures use the expected algorithm.
    for (const pem of [c.root.certificatePem, c.inter.certificatePem, c.leaf.certificatePem]) {
      const text = certText(pem);
      expect(text).toContain(`Signature Algorithm: ${SIG_ALG[alg]}`);
      expect(text).toMatch(KEY_TEXT[alg]);
    }
  });

  it.each(KEY_ALGORITHMS.map((alg) => [`ok/${alg}`, alg] as const))('%s: parseCertificate reads the chain', async (_name, alg) => {
    const c = chains.get(alg) as Chain;
    const [root, inter, leaf] = await Promise.all([c.root, c.inter, c.leaf].map((x) => parseCertificate(x.certificatePem)));
    expect(root).toMatchObject({ isCa: true, subject: `CN=Root ${alg}, O=Certctl Test`, issuer: `CN=Root ${alg}, O=Certctl Test` });
    expect(inter).toMatchObject({ isCa: true, issuer: root?.subject, serialNumber: c.inter.serialNumber });
    expect(leaf).toMatchObject({
      isCa: false,
      issuer: inter?.subject,
      commonName: `${alg.toLowerCase()}.example.com`,
      sans: [`${alg.toLowerCase()}.example.com`, 'www.example.com', '10.0.0.1'],
      serialNumber: c.leaf.serialNumber,
      fingerprintSha256: c.leaf.fingerprintSha256,
    });
    const [type, size] = alg === 'Ed25519' ? ['Ed25519', 256] : [alg.split('-')[0], Number(alg.replace(/\D/g, ''))];
    expect(leaf?.keyType).toBe(type);
    expect(leaf?.keySize).toBe(size);
  });

  it('ok/mixed: signature algorithm follows the issuer key, not the subject key', () => {
    const c = chains.get('mixed') as Chain;
    const r = verifyChain(tmp, 'mixed', { root: c.root.certificatePem, inter: c.inter.certificatePem, leaf: c.leaf.certificatePem });
    expect(r.status).toBe(0);
    const inter = certText(c.inter.certificatePem); // RSA root signs a P-384 intermediate
    expect(inter).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(inter).toMatch(KEY_TEXT['ECDSA-P384']);
    const leaf = certText(c.leaf.certificatePem); // P-384 intermediate signs an Ed25519 leaf
    expect(leaf).toContain('Signature Algorithm: ecdsa-with-SHA384');
    expect(leaf).toMatch(KEY_TEXT.Ed25519);
  });

  it('fail/leaf does not verify against an unrelated root', () => {
    const a = chains.get('ECDSA-P256') as Chain;
    const b = chains.get('ECDSA-P384') as Chain;
    const r = verifyChain(tmp, 'unrelated', { root: b.root.certificatePem, inter: a.inter.certificatePem, leaf: a.leaf.certificatePem });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/unable to get (local )?issuer certificate/);
  });

  it('fail/leaf does not verify without its intermediate', () => {
    const c = chains.get('RSA-2048') as Chain;
    const r = verifyChain(tmp, 'nointer', { root: c.root.certificatePem, leaf: c.leaf.certificatePem });
    expect(r.status).not.toBe(0);
  });

  it('ok/verify_hostname and purpose checks pass for the leaf', () => {
    const c = chains.get('ECDSA-P256') as Chain;
    const r = verifyChain(tmp, 'purpose', { root: c.root.certificatePem, inter: c.inter.certificatePem, leaf: c.leaf.certificatePem }, [
      '-purpose',
      'sslserver',
      '-verify_hostname',
      'www.example.com',
      '-x509_strict',
    ]);
    expect(r.stdout + r.stderr).toContain('OK');
    expect(r.status).toBe(0);
    const bad = verifyChain(tmp, 'badhost', { root: c.root.certificatePem, inter: c.inter.certificatePem, leaf: c.leaf.certificatePem }, [
      '-verify_hostname',
      'evil.example.org',
    ]);
    expect(bad.status).not.toBe(0);
  });
});
