import { createRootCa, type CreatedCa } from './ca';
import { signLeaf } from './certificate';
import { generateKeyPair, type KeyDescription } from './keys';
import { checkLeafPolicy, type LeafPolicy, type PolicySubject } from './policy';
import { x509, type CryptoKeyPair } from './provider';
import { classifySans } from './san';

const EC256: KeyDescription = { algorithm: 'ECDSA', size: 256, keyAlgorithm: 'ECDSA-P256' };
const RSA2048: KeyDescription = { algorithm: 'RSA', size: 2048, keyAlgorithm: 'RSA-2048' };
const ED: KeyDescription = { algorithm: 'Ed25519', size: 256, keyAlgorithm: 'Ed25519' };

const profile: LeafPolicy = {
  allowedKeyAlgorithms: [
    { algorithm: 'ECDSA', minSize: 384 },
    { algorithm: 'RSA', minSize: 2048 },
  ],
  maxValidityDays: 90,
  ekus: ['serverAuth', 'clientAuth'],
  san: { allowWildcards: false, allowIp: false, allowEmail: false, allowUri: false, maxSans: 3, dnsSuffixes: ['.example.com'] },
};

function subject(over: Partial<PolicySubject> = {}): PolicySubject {
  return { key: RSA2048, sans: classifySans(['www.example.com']), ekus: ['serverAuth'], validitySeconds: 90 * 86_400, ...over };
}

function violation(s: PolicySubject, policy: LeafPolicy | undefined = profile): string {
  try {
    checkLeafPolicy(s, policy);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('profile_violation');
    return (err as Error).message;
  }
  throw new Error('expected a profile violation');
}

describe('checkLeafPolicy', () => {
  it('accepts a request inside the profile', () => {
    expect(() => checkLeafPolicy(subject(), profile)).not.toThrow();
    expect(() => checkLeafPolicy(subject({ key: { algorithm: 'ECDSA', size: 384, keyAlgorithm: 'ECDSA-P384' } }), profile)).not.toThrow();
  });

  it('allows anything about the profile when there is none, but still checks key usage against the key type', () => {
    expect(() => checkLeafPolicy(subject({ key: EC256, ekus: ['codeSigning'], validitySeconds: 1e9 }), undefined)).not.toThrow();
    expect(violation(subject({ key: EC256, keyUsages: ['digitalSignature', 'keyEncipherment'] }), undefined)).toMatch(
      /key usage keyEncipherment is not valid for a ECDSA key/,
    );
  });

  it.each<[string, Partial<PolicySubject>, RegExp]>([
    ['a key family the profile does not list', { key: ED }, /key Ed25519 256 is not allowed \(allowed: ECDSA ≥ 384, RSA ≥ 2048\)/],
    ['a key below the minimum size', { key: EC256 }, /key ECDSA 256 is not allowed/],
    [
      'a validity over the maximum (refused, not clamped)',
      { validitySeconds: 91 * 86_400 },
      /validity of 91 days exceeds the maximum of 90/,
    ],
    [
      'an EKU the profile does not list',
      { ekus: ['serverAuth', 'codeSigning'] },
      /extended key usage codeSigning is not allowed \(allowed: serverAuth, clientAuth\)/,
    ],
    ['a wildcard', { sans: classifySans(['*.example.com']) }, /\*\.example\.com: wildcards are not allowed/],
    ['an IP address', { sans: classifySans(['10.0.0.1']) }, /10\.0\.0\.1: IP address names are not allowed/],
    ['an e-mail address', { sans: classifySans(['a@example.com']) }, /a@example\.com: e-mail names are not allowed/],
    ['a URI', { sans: classifySans(['spiffe://example.com/x']) }, /URI names are not allowed/],
    ['a DNS name outside the suffixes', { sans: classifySans(['www.example.org']) }, /www\.example\.org: must be under example\.com/],
    ['a look-alike suffix', { sans: classifySans(['badexample.com']) }, /badexample\.com: must be under/],
    [
      'too many names',
      { sans: classifySans(['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com']) },
      /at most 3 names are allowed, got 4/,
    ],
    [
      'keyEncipherment on an Ed25519 key',
      { key: ED, keyUsages: ['digitalSignature', 'keyEncipherment'] },
      /keyEncipherment is not valid for a Ed25519 key/,
    ],
    ['key usage without digitalSignature', { keyUsages: ['keyEncipherment'] }, /must include digitalSignature/],
  ])('refuses %s', (_name, over, message) => {
    expect(violation(subject(over))).toMatch(message);
  });

  it('names every breach at once', () => {
    const msg = violation(subject({ key: ED, validitySeconds: 400 * 86_400, sans: classifySans(['10.0.0.1']) }));
    expect(msg.split('; ')).toHaveLength(3);
  });

  it('checks max_validity_seconds when the profile sets it, over max_validity_days', () => {
    const short: LeafPolicy = { ...profile, maxValiditySeconds: 600 };
    expect(() => checkLeafPolicy(subject({ validitySeconds: 600 }), short)).not.toThrow();
    expect(violation(subject({ validitySeconds: 601 }), short)).toMatch(/validity of 601 seconds exceeds the maximum of 600 seconds/);
    // Seconds win over days both ways: a day is refused although maxValidityDays allows 90.
    expect(violation(subject({ validitySeconds: 86_400 }), short)).toMatch(/exceeds the maximum of 600 seconds/);
    const long: LeafPolicy = { maxValidityDays: 1, maxValiditySeconds: 3 * 86_400 };
    expect(() => checkLeafPolicy(subject({ validitySeconds: 2 * 86_400 }), long)).not.toThrow();
    expect(violation(subject({ validitySeconds: 2 * 86_400 }), { maxValidityDays: 1 })).toMatch(
      /validity of 2 days exceeds the maximum of 1/,
    );
  });

  it('requires an e-mail name on an S/MIME (emailProtection) certificate', () => {
    const smime: LeafPolicy = { ekus: ['emailProtection'], san: { allowEmail: true } };
    expect(violation(subject({ ekus: ['emailProtection'], sans: classifySans(['www.example.com']) }), smime)).toMatch(
      /needs at least one e-mail address/,
    );
    expect(() => checkLeafPolicy(subject({ ekus: ['emailProtection'], sans: classifySans(['alice@example.com']) }), smime)).not.toThrow();
  });
});

describe('signLeaf applies the policy and key usage by key type', () => {
  let ca: CreatedCa;
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let ed: CryptoKeyPair;
  beforeAll(async () => {
    [ca, rsa, ec, ed] = await Promise.all([
      createRootCa({ commonName: 'Policy CA', keyAlgorithm: 'ECDSA-P256', validityDays: 30 }),
      generateKeyPair('RSA-2048'),
      generateKeyPair('ECDSA-P256'),
      generateKeyPair('Ed25519'),
    ]);
  });

  it.each<[string, () => CryptoKeyPair, number]>([
    ['RSA: digitalSignature + keyEncipherment', () => rsa, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment],
    ['ECDSA: digitalSignature', () => ec, x509.KeyUsageFlags.digitalSignature],
    ['Ed25519: digitalSignature', () => ed, x509.KeyUsageFlags.digitalSignature],
  ])('%s', async (_name, keys, usages) => {
    const leaf = await signLeaf({
      issuer: ca,
      subjectPublicKey: keys().publicKey,
      commonName: 'ku.example.com',
      sans: [],
      validityDays: 5,
    });
    expect(new x509.X509Certificate(leaf.certificatePem).getExtension(x509.KeyUsagesExtension)?.usages).toBe(usages);
  });

  // zlint e_key_usage_and_extended_key_usage_inconsistent (RFC 5280 §4.2.1.12): an RSA client
  // certificate carried keyEncipherment, which TLS client authentication never uses.
  it.each<[string, ('serverAuth' | 'clientAuth' | 'emailProtection' | 'codeSigning')[], number]>([
    ['RSA clientAuth only: digitalSignature alone', ['clientAuth'], x509.KeyUsageFlags.digitalSignature],
    ['RSA codeSigning: digitalSignature alone', ['codeSigning'], x509.KeyUsageFlags.digitalSignature],
    [
      'RSA serverAuth + clientAuth: keyEncipherment kept',
      ['serverAuth', 'clientAuth'],
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    ],
    [
      'RSA emailProtection: keyEncipherment kept',
      ['emailProtection'],
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    ],
  ])('%s', async (_name, ekus, usages) => {
    const leaf = await signLeaf({
      issuer: ca,
      subjectPublicKey: rsa.publicKey,
      commonName: 'client.example.com',
      sans: ekus.includes('emailProtection') ? ['alice@example.com'] : [],
      ekus,
      validityDays: 5,
    });
    expect(new x509.X509Certificate(leaf.certificatePem).getExtension(x509.KeyUsagesExtension)?.usages).toBe(usages);
  });

  it('refuses keyEncipherment asked for under EKUs that never encrypt', async () => {
    await expect(
      signLeaf({
        issuer: ca,
        subjectPublicKey: rsa.publicKey,
        commonName: 'client.example.com',
        sans: [],
        ekus: ['clientAuth'],
        keyUsages: ['digitalSignature', 'keyEncipherment'],
      }),
    ).rejects.toMatchObject({
      code: 'profile_violation',
      message: expect.stringMatching(/keyEncipherment does not fit extended key usage clientAuth/),
    });
  });

  it('refuses before signing when the request breaks the profile', async () => {
    await expect(
      signLeaf({ issuer: ca, subjectPublicKey: ec.publicKey, commonName: 'x.example.com', sans: [], validityDays: 200, policy: profile }),
    ).rejects.toMatchObject({
      code: 'profile_violation',
      message: expect.stringMatching(/key ECDSA 256 is not allowed.*validity of 200 days/),
    });
    await expect(
      signLeaf({
        issuer: ca,
        subjectPublicKey: ec.publicKey,
        commonName: 'x.example.com',
        sans: [],
        keyUsages: ['digitalSignature', 'keyEncipherment'],
      }),
    ).rejects.toThrow(/keyEncipherment is not valid for a ECDSA key/);
  });
});
