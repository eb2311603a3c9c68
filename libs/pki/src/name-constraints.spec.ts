import { createIntermediateCa, createRootCa, type CreatedCa } from './ca';
import { signLeaf } from './certificate';
import { PkiError } from './errors';
import { generateKeyPair } from './keys';
import {
  checkNameConstraints,
  dnsWithin,
  emailWithin,
  ipWithin,
  normalizeNameConstraints,
  readNameConstraints,
  type CaNameConstraints,
  type NameConstraintsSpec,
} from './name-constraints';
import { x509, type CryptoKey } from './provider';
import { classifySans } from './san';
import { certText, scratchDir, verifyChain } from '../test/openssl';

describe('dnsWithin (RFC 5280 subtree semantics)', () => {
  it.each<[string, string, boolean]>([
    ['example.com', 'example.com', true],
    ['a.example.com', 'example.com', true],
    ['x.y.example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.COM', true],
    ['badexample.com', 'example.com', false],
    ['example.com.evil', 'example.com', false],
    ['com', 'example.com', false],
    ['a.corp.example', '.corp.example', true],
    ['x.a.corp.example', '.corp.example', true],
    ['corp.example', '.corp.example', false],
    ['acorp.example', '.corp.example', false],
    ['*.corp.example', '.corp.example', true],
    ['*.corp.example', 'a.corp.example', false],
    ['anything.test', '', true],
  ])('%s within %s → %s', (name, base, expected) => {
    expect(dnsWithin(name, base)).toBe(expected);
  });
});

describe('ipWithin (CIDR)', () => {
  it.each<[string, string, boolean]>([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['192.168.1.255', '192.168.1.0/24', true],
    ['192.168.2.0', '192.168.1.0/24', false],
    ['192.168.1.7', '192.168.1.7/32', true],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:0db8:ffff::1', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['fd00::1', 'fd00::/8', true],
    ['10.0.0.1', '::/0', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', false],
    ['2001:db8::1', '10.0.0.0/8', false],
  ])('%s within %s → %s', (ip, cidr, expected) => {
    expect(ipWithin(ip, cidr)).toBe(expected);
  });
});

describe('emailWithin (mailbox, host and domain forms)', () => {
  it.each<[string, string, boolean]>([
    ['alice@example.com', 'alice@example.com', true],
    ['alice@EXAMPLE.com', 'alice@example.com', true],
    ['Alice@example.com', 'alice@example.com', false],
    ['bob@example.com', 'alice@example.com', false],
    ['bob@example.com', 'example.com', true],
    ['bob@mail.example.com', 'example.com', false],
    ['bob@mail.example.com', '.example.com', true],
    ['bob@example.com', '.example.com', false],
    ['bob@badexample.com', '.example.com', false],
  ])('%s within %s → %s', (addr, base, expected) => {
    expect(emailWithin(addr, base)).toBe(expected);
  });
});

describe('normalizeNameConstraints', () => {
  it('lower-cases names, clears CIDR host bits and drops duplicates', () => {
    expect(
      normalizeNameConstraints({
        permittedDns: ['Corp.Example', '.corp.example', 'corp.example'],
        permittedIp: ['10.1.2.3/8', '2001:DB8:0::1/32'],
        excludedEmail: ['Alice@Example.COM', '.Example.com'],
      }),
    ).toEqual({
      permittedDns: ['corp.example', '.corp.example'],
      excludedDns: [],
      permittedIp: ['10.0.0.0/8', '2001:db8::/32'],
      excludedIp: [],
      permittedEmail: [],
      excludedEmail: ['Alice@example.com', '.example.com'],
    });
  });

  it.each<[string, NameConstraintsSpec, RegExp]>([
    ['wildcard DNS', { permittedDns: ['*.example.com'] }, /permittedDns\[0\].*not a DNS name/],
    ['IP without prefix', { excludedIp: ['10.0.0.1'] }, /excludedIp\[0\].*CIDR/],
    ['prefix too long', { permittedIp: ['10.0.0.0/33'] }, /permittedIp\[0\]/],
    ['IPv6 prefix too long', { permittedIp: ['::/129'] }, /permittedIp\[0\]/],
    ['bad mailbox', { permittedEmail: ['a@b@c'] }, /permittedEmail\[0\]/],
    ['space in DNS', { excludedDns: ['ok.example', 'bad name'] }, /excludedDns\[1\]/],
  ])('refuses %s', (_n, spec, message) => {
    expect(() => normalizeNameConstraints(spec)).toThrow(message);
  });
});

function constraints(spec: NameConstraintsSpec, ca = 'CN=Test CA'): CaNameConstraints {
  return { ca, spec: normalizeNameConstraints(spec), unsupported: [] };
}

describe('checkNameConstraints', () => {
  const corp = constraints({
    permittedDns: ['.corp.example'],
    excludedDns: ['secret.corp.example'],
    permittedIp: ['10.0.0.0/8', 'fd00::/8'],
    permittedEmail: ['corp.example'],
  });

  it('accepts names inside every permitted subtree', () => {
    expect(() =>
      checkNameConstraints(classifySans(['a.corp.example', '*.b.corp.example', '10.9.9.9', 'fd00::5', 'ann@corp.example']), [corp]),
    ).not.toThrow();
  });

  it.each<[string, RegExp]>([
    ['www.other.test', /www\.other\.test \(dNSName\) is not within the permitted subtrees "\.corp\.example" of CA "CN=Test CA"/],
    ['corp.example', /corp\.example \(dNSName\) is not within/],
    ['x.secret.corp.example', /x\.secret\.corp\.example \(dNSName\) is in the excluded subtree "secret\.corp\.example"/],
    ['*.corp.example', /\*\.corp\.example \(dNSName\) is in the excluded subtree "secret\.corp\.example"/],
    ['192.168.0.1', /192\.168\.0\.1 \(iPAddress\) is not within the permitted subtrees "10\.0\.0\.0\/8", "fd00::\/8"/],
    ['2001:db8::1', /2001:db8::1 \(iPAddress\)/],
    ['ann@mail.corp.example', /ann@mail\.corp\.example \(rfc822Name\)/],
  ])('refuses %s, naming the name and the constraint', (name, message) => {
    let err: unknown;
    try {
      checkNameConstraints(classifySans([name]), [corp]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).code).toBe('name_constraint_violation');
    expect((err as PkiError).message).toMatch(message);
  });

  it("applies every ancestor's constraints: a name the issuing CA permits but the root excludes is refused", () => {
    const issuing = constraints({ permittedDns: ['example.com'] }, 'CN=Issuing');
    const root = constraints({ excludedDns: ['internal.example.com'] }, 'CN=Root');
    expect(() => checkNameConstraints(classifySans(['www.example.com']), [issuing, root])).not.toThrow();
    expect(() => checkNameConstraints(classifySans(['db.internal.example.com']), [issuing, root])).toThrow(
      /excluded subtree "internal\.example\.com" of CA "CN=Root"/,
    );
  });

  it('leaves a form unconstrained when only other forms are constrained, and ignores URIs', () => {
    expect(() =>
      checkNameConstraints(classifySans(['1.2.3.4', 'spiffe://x/y']), [constraints({ permittedDns: ['example.com'] })]),
    ).not.toThrow();
  });

  it('refuses to sign under a CA whose constraint forms it cannot check', () => {
    expect(() => checkNameConstraints(classifySans(['a.example']), [{ ...constraints({}), unsupported: ['directoryName'] }])).toThrow(
      /cannot check \(directoryName\)/,
    );
  });
});

describe('name constraints in CA certificates and at signing (openssl interop)', () => {
  const tmp = scratchDir();
  let root: CreatedCa;
  let inter: CreatedCa;
  let leafKey: CryptoKey;

  beforeAll(async () => {
    root = await createRootCa({
      commonName: 'NC Root',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 30,
      nameConstraints: { excludedDns: ['bad.corp.example'] },
    });
    inter = await createIntermediateCa({
      issuer: root,
      commonName: 'NC Intermediate',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 30,
      nameConstraints: { permittedDns: ['.corp.example'], permittedIp: ['10.0.0.0/8'], excludedEmail: ['.corp.example'] },
    });
    leafKey = (await generateKeyPair('ECDSA-P256')).publicKey;
  });
  afterAll(() => tmp.cleanup());

  it('writes a critical NameConstraints extension that openssl reads and reads it back', () => {
    const text = certText(inter.certificatePem);
    expect(text).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:\.corp\.example\s+IP:10\.0\.0\.0\/255\.0\.0\.0\s+Excluded:\s+email:\.corp\.example/,
    );
    const read = readNameConstraints(new x509.X509Certificate(inter.certificatePem));
    expect(read?.spec).toMatchObject({ permittedDns: ['.corp.example'], permittedIp: ['10.0.0.0/8'], excludedEmail: ['.corp.example'] });
  });

  it('signs a permitted leaf that openssl verify accepts, and refuses an outside name before signing', async () => {
    const issuer = { ...inter, ancestorsPem: [root.certificatePem] };
    const good = await signLeaf({ issuer, subjectPublicKey: leafKey, commonName: 'a.corp.example', sans: ['10.1.1.1'] });
    const r = verifyChain(tmp, 'nc', { root: root.certificatePem, inter: inter.certificatePem, leaf: good.certificatePem }, [
      '-x509_strict',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/: OK$/);
    await expect(signLeaf({ issuer, subjectPublicKey: leafKey, commonName: 'www.other.test', sans: [] })).rejects.toMatchObject({
      code: 'name_constraint_violation',
      message: expect.stringMatching(
        /www\.other\.test \(dNSName\) is not within the permitted subtrees "\.corp\.example" of CA "CN=NC Intermediate"/,
      ),
    });
    // Excluded by the root only: caught because the root is passed as an ancestor.
    await expect(signLeaf({ issuer, subjectPublicKey: leafKey, commonName: 'bad.corp.example', sans: [] })).rejects.toThrow(
      /excluded subtree "bad\.corp\.example" of CA "CN=NC Root"/,
    );
  });

  it('refuses a child CA whose permitted subtrees are outside its issuer’s, and accepts a narrower one', async () => {
    await expect(
      createIntermediateCa({
        issuer: inter,
        commonName: 'Too wide',
        keyAlgorithm: 'ECDSA-P256',
        validityDays: 5,
        nameConstraints: { permittedDns: ['example.org'] },
      }),
    ).rejects.toThrow(/permitted dNSName subtree "example\.org" is outside the permitted subtrees of CA "CN=NC Intermediate"/);
    await expect(
      createIntermediateCa({
        issuer: inter,
        commonName: 'Too wide IP',
        keyAlgorithm: 'ECDSA-P256',
        validityDays: 5,
        nameConstraints: { permittedIp: ['0.0.0.0/0'] },
      }),
    ).rejects.toThrow(/iPAddress subtree "0\.0\.0\.0\/0" is outside/);
    const narrower = await createIntermediateCa({
      issuer: inter,
      commonName: 'Narrower',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 5,
      nameConstraints: { permittedDns: ['.eu.corp.example'], permittedIp: ['10.1.0.0/16'] },
    });
    expect(certText(narrower.certificatePem)).toMatch(/DNS:\.eu\.corp\.example/);
  });
});
