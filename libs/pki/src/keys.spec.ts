import { PkiError } from './errors';
import {
  describeKey,
  exportPrivateKeyPem,
  exportSpki,
  generateKeyPair,
  importPrivateKeyPem,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type KeyDescription,
} from './keys';
import { subtle, type CryptoKey, type CryptoKeyPair } from './provider';
import { openssl, opensslOk } from '../test/openssl';

const EXPECTED: Record<KeyAlgorithm, Omit<KeyDescription, 'keyAlgorithm'> & { text: RegExp }> = {
  'ECDSA-P256': { algorithm: 'ECDSA', size: 256, text: /Private-Key: \(256 bit\)[\s\S]*NIST CURVE: P-256/ },
  'ECDSA-P384': { algorithm: 'ECDSA', size: 384, text: /Private-Key: \(384 bit\)[\s\S]*NIST CURVE: P-384/ },
  'RSA-2048': { algorithm: 'RSA', size: 2048, text: /Private-Key: \(2048 bit, 2 primes\)/ },
  'RSA-3072': { algorithm: 'RSA', size: 3072, text: /Private-Key: \(3072 bit, 2 primes\)/ },
  'RSA-4096': { algorithm: 'RSA', size: 4096, text: /Private-Key: \(4096 bit, 2 primes\)/ },
  Ed25519: { algorithm: 'Ed25519', size: 256, text: /ED25519 Private-Key/ },
};

async function pkiCode(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(PkiError);
    return (e as PkiError).code;
  }
  throw new Error('expected a PkiError');
}

const SIGN_PARAMS: Record<string, { name: string; hash?: string }> = {
  ECDSA: { name: 'ECDSA', hash: 'SHA-256' },
  RSA: { name: 'RSASSA-PKCS1-v1_5' },
  Ed25519: { name: 'Ed25519' },
};

async function signsAndVerifies(privateKey: CryptoKey, publicKey: CryptoKey, type: string): Promise<boolean> {
  const data = Buffer.from('certctl');
  const sig = await subtle.sign(SIGN_PARAMS[type] as { name: string }, privateKey, data);
  return subtle.verify(SIGN_PARAMS[type] as { name: string }, publicKey, sig, data);
}

describe('keys', () => {
  // One key pair per algorithm for the whole file (RSA-4096 generation is slow).
  const pairs = new Map<KeyAlgorithm, CryptoKeyPair>();
  beforeAll(async () => {
    const all = await Promise.all(KEY_ALGORITHMS.map(async (a) => [a, await generateKeyPair(a)] as const));
    for (const [a, k] of all) pairs.set(a, k);
  }, 30_000);

  it.each(KEY_ALGORITHMS.map((a) => [`ok/${a}`, a] as const))(
    '%s: describe, export (openssl reads it), import back',
    async (_name, alg) => {
      const { publicKey, privateKey } = pairs.get(alg) as CryptoKeyPair;
      const want: KeyDescription = { algorithm: EXPECTED[alg].algorithm, size: EXPECTED[alg].size, keyAlgorithm: alg };
      expect(describeKey(publicKey)).toEqual(want);
      expect(describeKey(privateKey)).toEqual(want);
      expect(privateKey.extractable).toBe(true);

      const pem = await exportPrivateKeyPem(privateKey);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      expect(opensslOk(['pkey', '-noout', '-text'], pem)).toMatch(EXPECTED[alg].text);

      const imported = await importPrivateKeyPem(pem);
      expect(imported.algorithm).toBe(alg);
      expect(describeKey(imported.publicKey).keyAlgorithm).toBe(alg);
      // the derived public key is the original one, and the imported private key signs for it
      expect((await exportSpki(imported.publicKey)).equals(await exportSpki(publicKey))).toBe(true);
      expect(await signsAndVerifies(imported.privateKey, publicKey, EXPECTED[alg].algorithm)).toBe(true);
      expect(await exportPrivateKeyPem(imported.privateKey)).toBe(pem);
    },
  );

  it.each<[string, string[], KeyAlgorithm, string]>([
    [
      'ok/openssl genpkey P-256 (PKCS#8)',
      ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      'ECDSA-P256',
      'PRIVATE KEY',
    ],
    [
      'ok/openssl ecparam P-384 (SEC1 "EC PRIVATE KEY")',
      ['ecparam', '-name', 'secp384r1', '-genkey', '-noout'],
      'ECDSA-P384',
      'EC PRIVATE KEY',
    ],
    ['ok/openssl genrsa 2048 -traditional (PKCS#1)', ['genrsa', '-traditional', '2048'], 'RSA-2048', 'RSA PRIVATE KEY'],
    ['ok/openssl genpkey ED25519', ['genpkey', '-algorithm', 'ED25519'], 'Ed25519', 'PRIVATE KEY'],
  ])('%s: importPrivateKeyPem detects the algorithm', async (_name, args, alg, label) => {
    const pem = opensslOk(args);
    expect(pem).toContain(`-----BEGIN ${label}-----`);
    const k = await importPrivateKeyPem(pem);
    expect(k.algorithm).toBe(alg);
    expect(await signsAndVerifies(k.privateKey, k.publicKey, EXPECTED[alg].algorithm)).toBe(true);
    const spkiFromOpenssl = opensslOk(['pkey', '-pubout'], pem).replace(/-----[^-]+-----|\s/g, '');
    expect((await exportSpki(k.publicKey)).toString('base64')).toBe(spkiFromOpenssl);
  });

  it.each<[string, () => Promise<unknown> | unknown, string]>([
    ['fail/garbage PEM', () => importPrivateKeyPem('garbage'), 'bad_key'],
    ['fail/undefined', () => importPrivateKeyPem(undefined as unknown as string), 'bad_key'],
    ['fail/corrupt key body', () => importPrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), 'bad_key'],
    [
      'fail/public key PEM',
      () => importPrivateKeyPem(opensslOk(['pkey', '-pubout'], opensslOk(['genpkey', '-algorithm', 'ED25519']))),
      'bad_key',
    ],
    [
      'fail/encrypted key',
      () => importPrivateKeyPem(opensslOk(['genpkey', '-algorithm', 'ED25519', '-aes256', '-pass', 'pass:secret'])),
      'bad_key',
    ],
    [
      'fail/P-521 is unsupported',
      () => importPrivateKeyPem(opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'])),
      'unsupported_key',
    ],
    [
      'fail/RSA-1024 is unsupported',
      () => importPrivateKeyPem(opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'])),
      'unsupported_key',
    ],
    ['fail/Ed448 is unsupported', () => importPrivateKeyPem(opensslOk(['genpkey', '-algorithm', 'ED448'])), 'unsupported_key'],
    [
      'fail/RSA-PSS key is unsupported',
      () => importPrivateKeyPem(opensslOk(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'])),
      'unsupported_key',
    ],
    ['fail/unknown algorithm name', () => generateKeyPair('DSA-1024' as KeyAlgorithm), 'unsupported_key'],
    ['fail/describeKey of a non-key', () => describeKey({} as CryptoKey), 'bad_key'],
    ['fail/describeKey of null', () => describeKey(null as unknown as CryptoKey), 'bad_key'],
    ['fail/exportPrivateKeyPem of a public key', () => exportPrivateKeyPem((pairs.get('Ed25519') as CryptoKeyPair).publicKey), 'bad_key'],
  ])('%s', async (_name, fn, code) => {
    expect(await pkiCode(fn as () => unknown)).toBe(code);
  });

  it('fail/describeKey of a P-521 WebCrypto key → unsupported_key', async () => {
    const p521 = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    expect(await pkiCode(() => describeKey(p521.publicKey))).toBe('unsupported_key');
    expect(await pkiCode(exportPrivateKeyPem(p521.privateKey))).toBe('key_not_extractable');
  });

  it('ok/openssl is the 3.x line used by these interop tests', () => {
    expect(openssl(['version']).stdout).toMatch(/^OpenSSL 3\./);
  });
});
