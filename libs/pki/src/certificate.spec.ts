import { createIntermediateCa, createRootCa, loadCaCertificate, type CreatedCa } from './ca';
import { parseCertificate, signLeaf, type ExtendedKeyUsageName, type LeafRequest } from './certificate';
import { PkiError } from './errors';
import { generateKeyPair } from './keys';
import { derToPem, fingerprintSha256, pemToDer } from './pem';
import { x509, type CryptoKeyPair } from './provider';
import { certText, opensslOk, scratchDir, verifyChain } from '../test/openssl';

const DAY = 86_400_000;

async function expectPkiError(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => new Error('expected a PkiError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  expect((err as PkiError).code).toBe(code);
}

/** The `X509v3 <name>:` block of `openssl x509 -text` (header line + value line). */
function extBlock(text: string, name: string): string {
  const m = new RegExp(`X509v3 ${name}:( critical)? *\\n\\s+(.*)`).exec(text);
  return m ? `${m[1] ? 'critical ' : ''}${m[2]}` : '';
}

describe('signLeaf / parseCertificate', () => {
  const tmp = scratchDir();
  let root: CreatedCa;
  let inter: CreatedCa;
  let ec: CryptoKeyPair;
  let rsa: CryptoKeyPair;
  const leaf = (r: Partial<LeafRequest>) =>
    signLeaf({ issuer: inter, subjectPublicKey: ec.publicKey, commonName: 'svc.example.com', sans: [], ...r });
  const verify = (leafPem: string, extra: string[] = []) =>
    verifyChain(tmp, 'v', { root: root.certificatePem, inter: inter.certificatePem, leaf: leafPem }, extra);

  beforeAll(async () => {
    [root, ec, rsa] = await Promise.all([
      createRootCa({ commonName: 'Test Root', organization: 'Certctl', keyAlgorithm: 'ECDSA-P256', validityDays: 3650, pathLength: 1 }),
      generateKeyPair('ECDSA-P256'),
      generateKeyPair('RSA-2048'),
    ]);
    inter = await createIntermediateCa({
      issuer: root,
      commonName: 'Test Issuing CA',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 1000,
      pathLength: 0,
    });
  });
  afterAll(() => tmp.cleanup());

  it.each<[string, ExtendedKeyUsageName[] | undefined, string[], string]>([
    ['ok/default serverAuth', undefined, [], 'TLS Web Server Authentication'],
    ['ok/clientAuth', ['clientAuth'], [], 'TLS Web Client Authentication'],
    ['ok/server+client', ['serverAuth', 'clientAuth'], [], 'TLS Web Server Authentication, TLS Web Client Authentication'],
    ['ok/emailProtection with email SAN', ['emailProtection'], ['alice@example.com'], 'E-mail Protection'],
    ['ok/codeSigning', ['codeSigning'], [], 'Code Signing'],
    ['ok/ocspSigning', ['ocspSigning'], [], 'OCSP Signing'],
  ])('%s: EKU in openssl -text', async (_name, ekus, sans, expected) => {
    const cert = await leaf({ ekus, sans });
    const text = certText(cert.certificatePem);
    expect(extBlock(text, 'Extended Key Usage')).toBe(expected);
    if (sans.length) expect(extBlock(text, 'Subject Alternative Name')).toContain('email:alice@example.com');
    expect(verify(cert.certificatePem).status).toBe(0);
  });

  it('ok/empty ekus omits the extension; smime purpose then verifies the email cert', async () => {
    const none = certText((await leaf({ ekus: [] })).certificatePem);
    expect(none).not.toContain('Extended Key Usage');
    const mail = await leaf({ commonName: 'Alice', ekus: ['emailProtection'], sans: ['alice@example.com'] });
    expect(verify(mail.certificatePem, ['-purpose', 'smimesign']).status).toBe(0);
    expect(verify(mail.certificatePem, ['-purpose', 'sslserver']).status).not.toBe(0);
  });

  it('ok/SAN classification: IP, email, URI, DNS', async () => {
    const sans = [
      '10.0.0.1',
      '2001:DB8::1',
      'ops@Example.COM',
      'spiffe://cluster.local/ns/default/sa/web',
      'https://user@svc.example.com/x',
      'API.Example.com',
      '*.apps.example.com',
    ];
    const cert = await leaf({ sans });
    const san = extBlock(certText(cert.certificatePem), 'Subject Alternative Name');
    expect(san.split(', ').sort()).toEqual(
      [
        'DNS:svc.example.com',
        'IP Address:10.0.0.1',
        'IP Address:2001:DB8:0:0:0:0:0:1',
        'email:ops@example.com',
        'URI:spiffe://cluster.local/ns/default/sa/web',
        'URI:https://user@svc.example.com/x',
        'DNS:api.example.com',
        'DNS:*.apps.example.com',
      ].sort(),
    );
    const info = await parseCertificate(cert.certificatePem);
    expect(info.sans).toEqual([
      'svc.example.com',
      '10.0.0.1',
      '2001:db8::1',
      'ops@example.com',
      'spiffe://cluster.local/ns/default/sa/web',
      'https://user@svc.example.com/x',
      'api.example.com',
      '*.apps.example.com',
    ]);
  });

  it.each<[string, string, string[], string]>([
    ['ok/hostname CN is added', 'www.example.com', ['example.com'], 'DNS:www.example.com, DNS:example.com'],
    ['ok/CN already listed is not duplicated', 'www.example.com', ['WWW.example.com'], 'DNS:www.example.com'],
    ['ok/IP CN becomes an IP SAN', '192.168.1.10', [], 'IP Address:192.168.1.10'],
    ['ok/non-hostname CN is not added', 'Alice Smith', ['alice@example.com'], 'email:alice@example.com'],
  ])('%s', async (_name, commonName, sans, expected) => {
    const cert = await leaf({ commonName, sans });
    expect(extBlock(certText(cert.certificatePem), 'Subject Alternative Name')).toBe(expected);
  });

  it('ok/non-hostname CN without SANs has no SAN extension', async () => {
    const text = certText((await leaf({ commonName: 'Build Agent 7', ekus: ['clientAuth'] })).certificatePem);
    expect(text).not.toContain('Subject Alternative Name');
    expect(text).toMatch(/Subject: CN ?= ?Build Agent 7/);
  });

  it.each([
    ['ok/EC leaf key', false],
    ['ok/RSA leaf key adds keyEncipherment', true],
  ])('%s: leaf extensions', async (_name, useRsa) => {
    const cert = await leaf({ subjectPublicKey: useRsa ? rsa.publicKey : ec.publicKey, sans: ['a.example.com'] });
    const text = certText(cert.certificatePem);
    expect(extBlock(text, 'Basic Constraints')).toBe('critical CA:FALSE');
    expect(extBlock(text, 'Key Usage')).toBe(useRsa ? 'critical Digital Signature, Key Encipherment' : 'critical Digital Signature');
    const ski = extBlock(text, 'Subject Key Identifier');
    expect(ski).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    const interSki = extBlock(certText(inter.certificatePem), 'Subject Key Identifier');
    expect(extBlock(text, 'Authority Key Identifier').replace(/^keyid:/, '')).toBe(interSki);
    expect(text).not.toContain('CRL Distribution Points');
    expect(text).not.toContain('Authority Information Access');
    expect(verify(cert.certificatePem, ['-x509_strict']).status).toBe(0);
  });

  it('ok/CRL distribution point and AIA appear only when given', async () => {
    const text = certText(
      (
        await leaf({
          crlDistributionUrl: 'http://pki.example.com/inter.crl',
          ocspUrl: 'http://ocsp.example.com',
          caIssuersUrl: 'http://pki.example.com/inter.cer',
        })
      ).certificatePem,
    );
    expect(text).toMatch(/CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/pki\.example\.com\/inter\.crl/);
    expect(text).toContain('OCSP - URI:http://ocsp.example.com');
    expect(text).toContain('CA Issuers - URI:http://pki.example.com/inter.cer');
    const ocspOnly = certText((await leaf({ ocspUrl: 'http://ocsp.example.com' })).certificatePem);
    expect(ocspOnly).toContain('OCSP - URI:http://ocsp.example.com');
    expect(ocspOnly).not.toContain('CA Issuers');
    expect(ocspOnly).not.toContain('CRL Distribution Points');
  });

  it('ok/CA extensions: root and intermediate', () => {
    const r = certText(root.certificatePem);
    expect(extBlock(r, 'Basic Constraints')).toBe('critical CA:TRUE, pathlen:1');
    expect(extBlock(r, 'Key Usage')).toBe('critical Digital Signature, Certificate Sign, CRL Sign');
    expect(r).toMatch(/Subject: CN ?= ?Test Root, O ?= ?Certctl/);
    const i = certText(inter.certificatePem);
    expect(extBlock(i, 'Basic Constraints')).toBe('critical CA:TRUE, pathlen:0');
    expect(extBlock(i, 'Authority Key Identifier').replace(/^keyid:/, '')).toBe(extBlock(r, 'Subject Key Identifier'));
  });

  it('ok/serial and fingerprint match openssl', async () => {
    const cert = await leaf({ sans: ['b.example.com'] });
    const serial = opensslOk(['x509', '-noout', '-serial'], cert.certificatePem).trim();
    expect(serial).toBe(`serial=${cert.serialNumber.toUpperCase()}`);
    expect(cert.serialNumber).toMatch(/^[0-7][0-9a-f]{31}$/);
    const fp = opensslOk(['x509', '-noout', '-fingerprint', '-sha256'], cert.certificatePem);
    const normalized = fp
      .replace(/^.*Fingerprint=/i, '')
      .replace(/:/g, '')
      .trim()
      .toLowerCase();
    expect(normalized).toMatch(/^[0-9a-f]{64}$/);
    expect(cert.fingerprintSha256).toBe(normalized);
    expect(fingerprintSha256(cert.certificatePem)).toBe(normalized);
    expect(fingerprintSha256(pemToDer(cert.certificatePem))).toBe(normalized);
    expect((await parseCertificate(cert.certificatePem)).fingerprintSha256).toBe(normalized);
  });

  it('ok/validity: default 90 days, skew-backdated notBefore, validitySeconds and explicit notBefore', async () => {
    const now = Date.now();
    const def = await leaf({});
    expect(Math.abs(def.notBefore.getTime() - (now - 60_000))).toBeLessThan(3000);
    // RFC 5280 §4.1.2.5: both ends count, so the validity period is notAfter − notBefore + 1 s.
    expect(def.notAfter.getTime() - def.notBefore.getTime() + 1000).toBe(90 * DAY);
    const short = await leaf({ validitySeconds: 300 });
    expect(short.notAfter.getTime() - short.notBefore.getTime() + 1000).toBe(300_000);
    const nb = new Date(now + DAY);
    const later = await leaf({ notBefore: nb, validityDays: 7 });
    expect(later.notBefore.getTime()).toBe(Math.floor(nb.getTime() / 1000) * 1000);
    expect(later.notAfter.getTime() - later.notBefore.getTime() + 1000).toBe(7 * DAY);
    const parsed = await parseCertificate(later.certificatePem);
    expect(parsed.notBefore).toEqual(later.notBefore);
    expect(parsed.notAfter).toEqual(later.notAfter);
  });

  // zlint w_tls_server_cert_valid_time_longer_than_397_days (and the Baseline Requirements'
  // lifetime lints) count the validity period inclusively: a 397-day profile issued 397 days
  // plus the backdated minute and the closing second, i.e. 398 days as they count.
  it.each([
    ['a leaf', async () => leaf({ validityDays: 397 })],
    ['a root CA', async () => createRootCa({ commonName: 'Window Root', keyAlgorithm: 'ECDSA-P256', validityDays: 397 })],
  ])('ok/validity period of %s is exactly the days asked for, backdating included', async (_name, make) => {
    const c = await make();
    const x = new x509.X509Certificate(c.certificatePem);
    expect(x.notAfter.getTime() - x.notBefore.getTime() + 1000).toBe(397 * DAY);
    expect(x.notBefore.getTime()).toBeLessThan(Date.now() - 50_000);
  });

  it('ok/leaf and intermediate notAfter are clamped to the issuer notAfter', async () => {
    const shortRoot = await createRootCa({ commonName: 'Short Root', keyAlgorithm: 'ECDSA-P256', validityDays: 2 });
    const shortInter = await createIntermediateCa({
      issuer: shortRoot,
      commonName: 'Short Inter',
      keyAlgorithm: 'ECDSA-P256',
      validityDays: 365,
    });
    expect(shortInter.notAfter).toEqual(shortRoot.notAfter);
    const clamped = await signLeaf({
      issuer: shortInter,
      subjectPublicKey: ec.publicKey,
      commonName: 'c.example.com',
      sans: [],
      validityDays: 90,
    });
    expect(clamped.notAfter).toEqual(shortRoot.notAfter);
    expect(new Date(opensslOk(['x509', '-noout', '-enddate'], clamped.certificatePem).replace('notAfter=', '').trim())).toEqual(
      shortRoot.notAfter,
    );
    expect(
      verifyChain(tmp, 'clamp', { root: shortRoot.certificatePem, inter: shortInter.certificatePem, leaf: clamped.certificatePem }).status,
    ).toBe(0);
  });

  it('ok/loadCaCertificate rebuilds an issuer from stored PEMs', async () => {
    const loaded = await loadCaCertificate(inter.certificatePem, inter.privateKeyPem);
    const cert = await signLeaf({ issuer: loaded, subjectPublicKey: ec.publicKey, commonName: 'loaded.example.com', sans: [] });
    expect(verify(cert.certificatePem).status).toBe(0);
    await expectPkiError(loadCaCertificate(inter.certificatePem, root.privateKeyPem), 'invalid_issuer');
  });

  it('ok/parseCertificate of an openssl-made RSA certificate', async () => {
    const key = tmp.write('ossl.key', opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']));
    const pem = opensslOk([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      '/CN=ossl.example.com/O=Ossl',
      '-days',
      '10',
      '-addext',
      'subjectAltName=DNS:ossl.example.com,IP:::1,email:a@b.example',
    ]);
    const info = await parseCertificate(pem);
    expect(info).toMatchObject({
      commonName: 'ossl.example.com',
      subject: 'CN=ossl.example.com, O=Ossl',
      keyType: 'RSA',
      keySize: 2048,
      isCa: true,
      sans: ['ossl.example.com', '::1', 'a@b.example'],
    });
    expect(info.serialNumber).toBe(
      opensslOk(['x509', '-noout', '-serial'], pem)
        .trim()
        .replace('serial=', '')
        .toLowerCase()
        .replace(/^(00)+/, ''),
    );
  });

  it.each<[string, () => Partial<LeafRequest>, string]>([
    ['fail/issuer is not a CA', () => ({ issuer: { ...inter, certificatePem: '' } }), 'invalid_issuer'],
    ['fail/both validityDays and validitySeconds', () => ({ validityDays: 1, validitySeconds: 60 }), 'invalid_request'],
    ['fail/negative validity', () => ({ validityDays: -1 }), 'invalid_request'],
    ['fail/notBefore after issuer notAfter', () => ({ notBefore: new Date(Date.now() + 5000 * DAY) }), 'invalid_request'],
    ['fail/unknown EKU', () => ({ ekus: ['anyPurpose' as ExtendedKeyUsageName] }), 'invalid_request'],
    ['fail/bad SAN', () => ({ sans: ['not a host'] }), 'bad_san'],
    ['fail/empty common name', () => ({ commonName: '' }), 'invalid_request'],
    ['fail/common name over 64 chars', () => ({ commonName: `${'a'.repeat(60)}.example.com` }), 'invalid_request'],
    ['fail/private key as subject key', () => ({ subjectPublicKey: ec.privateKey }), 'bad_key'],
    ['fail/bad CRL URL', () => ({ crlDistributionUrl: 'ldap://x' }), 'invalid_request'],
  ])('%s', async (_name, patch, code) => {
    await expectPkiError(leaf(patch()), code);
  });

  it('fail/a leaf cannot act as an issuer', async () => {
    const l = await leaf({});
    await expectPkiError(
      signLeaf({
        issuer: { certificatePem: l.certificatePem, privateKey: ec.privateKey, publicKey: ec.publicKey },
        subjectPublicKey: ec.publicKey,
        commonName: 'x.example.com',
        sans: [],
      }),
      'invalid_issuer',
    );
  });

  it('fail/pathLength limits are enforced when creating intermediates', async () => {
    await expectPkiError(
      createIntermediateCa({ issuer: inter, commonName: 'Too Deep', keyAlgorithm: 'ECDSA-P256', validityDays: 10 }),
      'invalid_issuer',
    );
    await expectPkiError(
      createIntermediateCa({ issuer: root, commonName: 'Too Long', keyAlgorithm: 'ECDSA-P256', validityDays: 10, pathLength: 1 }),
      'invalid_request',
    );
    await expectPkiError(
      createRootCa({ commonName: 'R', keyAlgorithm: 'ECDSA-P256', validityDays: 10, pathLength: -1 }),
      'invalid_request',
    );
    await expectPkiError(createRootCa({ commonName: 'R', keyAlgorithm: 'ECDSA-P256', validityDays: 0 }), 'invalid_request');
  });

  it.each<[string, unknown]>([
    ['fail/garbage', 'garbage'],
    ['fail/empty', ''],
    ['fail/undefined', undefined],
    ['fail/number', 42],
    ['fail/random body', derToPem(Buffer.from('not a certificate at all'), 'CERTIFICATE')],
    ['fail/truncated DER', 'TRUNCATE'],
    ['fail/CSR instead of certificate', derToPem(Buffer.from('x'), 'CERTIFICATE REQUEST')],
    ['fail/invalid base64', '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'],
  ])('%s: parseCertificate throws PkiError(bad_certificate)', async (_name, input) => {
    const pem = input === 'TRUNCATE' ? derToPem(pemToDer(root.certificatePem).subarray(0, 100), 'CERTIFICATE') : input;
    await expectPkiError(parseCertificate(pem as string), 'bad_certificate');
  });
});
