import { readFileSync } from 'node:fs';
import { createIntermediateCa } from './ca';
import { signLeaf } from './certificate';
import { CaImportError, validateCaImport } from './import-ca';
import { generateKeyPair } from './keys';
import { OPENSSL_SUB_CA_EXT, opensslCa } from '@certctl/testing';
import { opensslOk, scratchDir, verifyChain } from '../test/openssl';

// An "enterprise" PKI made with the openssl CLI: root → policy CA → issuing sub-CA to import.
describe('validateCaImport', () => {
  const tmp = scratchDir();
  const path = (f: string) => `${tmp.dir}/${f}`;
  const read = (f: string) => readFileSync(path(f), 'utf8');

  const ca = (name: string, issuer: string | null, extensions: string, key?: string[]) =>
    opensslCa(tmp.dir, name, issuer, extensions, { key, days: issuer ? 20 : 30 });

  beforeAll(() => {
    ca('ent-root', null, 'basicConstraints=critical,CA:true,pathlen:2\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash');
    ca('ent-policy', 'ent-root', OPENSSL_SUB_CA_EXT + '\nbasicConstraints=critical,CA:true,pathlen:1');
    ca('ent-sub', 'ent-policy', OPENSSL_SUB_CA_EXT, ['-newkey', 'rsa:2048']);
    ca('ent-other', 'ent-policy', OPENSSL_SUB_CA_EXT);
    ca('ent-leaf', 'ent-policy', 'basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature');
    ca('short-root', null, 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash');
    ca('short-sub', 'short-root', OPENSSL_SUB_CA_EXT);
    ca('nosign-sub', 'ent-root', 'basicConstraints=critical,CA:true\nkeyUsage=critical,cRLSign\nsubjectKeyIdentifier=hash');
    // A traditional, passphrase-encrypted copy of the sub-CA's RSA key.
    opensslOk(['rsa', '-in', path('ent-sub.key'), '-traditional', '-aes256', '-passout', 'pass:s3cret', '-out', path('ent-sub-enc.key')]);
  });
  afterAll(() => tmp.cleanup());

  const chain = () => read('ent-policy.pem') + read('ent-root.pem');

  it('accepts a sub-CA with an encrypted traditional key and builds its path; leaves it signs verify with openssl', async () => {
    const imported = await validateCaImport({
      certificatePem: read('ent-sub.pem'),
      privateKeyPem: read('ent-sub-enc.key'),
      passphrase: 's3cret',
      chainPem: chain(),
    });
    expect(imported.keyAlgorithm).toBe('RSA-2048');
    expect(imported.subject).toBe('CN=ent-sub');
    expect(imported.intermediatesPem).toHaveLength(1);
    expect(imported.rootPem).toContain('BEGIN CERTIFICATE');
    expect(imported.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    const leafKey = await generateKeyPair('ECDSA-P256');
    const leaf = await signLeaf({ issuer: imported, subjectPublicKey: leafKey.publicKey, commonName: 'app.example.com', sans: [] });
    const r = verifyChain(
      tmp,
      'imp',
      { root: imported.rootPem, inter: imported.certificatePem + imported.intermediatesPem.join(''), leaf: leaf.certificatePem },
      ['-x509_strict'],
    );
    expect(r.stdout.trim()).toMatch(/: OK$/);
  });

  it("refuses to create a CA below the import when an ancestor's pathLength leaves no room", async () => {
    const imported = await validateCaImport({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-sub.key'), chainPem: chain() });
    // ent-policy (pathlen 1) already has ent-sub below it; one more CA level would make 2.
    await expect(
      createIntermediateCa({ issuer: imported, commonName: 'Too deep', keyAlgorithm: 'ECDSA-P256', validityDays: 5 }),
    ).rejects.toThrow(/CA "CN=ent-policy" above the issuer has pathLength 1: no room for another CA level/);
  });

  it('accepts a PKCS#8 key and a chain given root first', async () => {
    const imported = await validateCaImport({
      certificatePem: read('ent-other.pem'),
      privateKeyPem: read('ent-other.key'),
      chainPem: read('ent-root.pem') + read('ent-policy.pem'),
    });
    expect(imported.keyAlgorithm).toBe('ECDSA-P256');
    expect(imported.ancestorsPem).toHaveLength(2);
  });

  it.each<[string, () => Parameters<typeof validateCaImport>[0], string, RegExp]>([
    [
      'a key of another CA',
      () => ({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-other.key'), chainPem: chain() }),
      'private_key_pem',
      /does not match the certificate's public key/,
    ],
    [
      'an encrypted key without passphrase',
      () => ({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-sub-enc.key'), chainPem: chain() }),
      'private_key_pem',
      /encrypted: give its passphrase/,
    ],
    [
      'a wrong passphrase',
      () => ({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-sub-enc.key'), passphrase: 'nope', chainPem: chain() }),
      'private_key_pem',
      /wrong passphrase/,
    ],
    [
      'a non-CA certificate',
      () => ({ certificatePem: read('ent-leaf.pem'), privateKeyPem: read('ent-leaf.key'), chainPem: chain() }),
      'certificate_pem',
      /is not a CA/,
    ],
    [
      'a chain without the intermediate',
      () => ({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-sub.key'), chainPem: read('ent-root.pem') }),
      'chain_pem',
      /no certificate in chain_pem issued "CN=ent-sub"/,
    ],
    [
      'a chain without the root',
      () => ({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-sub.key'), chainPem: read('ent-policy.pem') }),
      'chain_pem',
      /issued "CN=ent-policy"/,
    ],
    [
      'no chain at all',
      () => ({ certificatePem: read('ent-sub.pem'), privateKeyPem: read('ent-sub.key') }),
      'chain_pem',
      /no certificate in chain_pem/,
    ],
    [
      'a root whose pathLength forbids the sub-CA',
      () => ({ certificatePem: read('short-sub.pem'), privateKeyPem: read('short-sub.key'), chainPem: read('short-root.pem') }),
      'chain_pem',
      /pathLength 0 but 1 CA/,
    ],
    [
      'a certificate without keyCertSign',
      () => ({ certificatePem: read('nosign-sub.pem'), privateKeyPem: read('nosign-sub.key'), chainPem: read('ent-root.pem') }),
      'certificate_pem',
      /keyUsage lacks keyCertSign/,
    ],
    [
      'an expired certificate',
      () => ({
        certificatePem: read('ent-sub.pem'),
        privateKeyPem: read('ent-sub.key'),
        chainPem: chain(),
        now: new Date(Date.now() + 40 * 86_400_000),
      }),
      'certificate_pem',
      /expired on/,
    ],
    [
      'garbage',
      () => ({ certificatePem: 'not a pem', privateKeyPem: read('ent-sub.key'), chainPem: chain() }),
      'certificate_pem',
      /no CERTIFICATE block/,
    ],
  ])('refuses %s, naming the field', async (_name, req, field, message) => {
    const err = await validateCaImport(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaImportError);
    expect(err).toMatchObject({ field, message: expect.stringMatching(message) });
  });
});
