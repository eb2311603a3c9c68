import { createRootCa, type CreatedCa } from './ca';
import { signLeaf } from './certificate';
import { createCsr, csrPublicKey, parseCsr } from './csr';
import { PkiError } from './errors';
import { exportSpki, generateKeyPair, type KeyAlgorithm } from './keys';
import { derToPem, pemToDer } from './pem';
import { openssl, opensslOk, scratchDir, verifyChain } from '../test/openssl';

async function pkiCode(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => new Error('expected a PkiError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  return (err as PkiError).code;
}

describe('CSRs', () => {
  const tmp = scratchDir();
  afterAll(() => tmp.cleanup());

  /** `openssl req -new -newkey <spec>` with a subject and SANs; returns the CSR and key PEM. */
  function opensslCsr(name: string, newkey: string[], cn: string, san?: string): { csr: string; key: string } {
    const keyPath = `${tmp.dir}/${name}.key`;
    const args = ['req', '-new', ...newkey, '-nodes', '-keyout', keyPath, '-subj', `/CN=${cn}/O=Example`];
    if (san) args.push('-addext', `subjectAltName=${san}`);
    const csr = opensslOk(args);
    return { csr, key: opensslOk(['pkey', '-in', keyPath]) };
  }

  it.each<[string, string[], string, number, KeyAlgorithm | null]>([
    ['ok/openssl EC P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'ECDSA', 256, 'ECDSA-P256'],
    ['ok/openssl EC P-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'ECDSA', 384, 'ECDSA-P384'],
    ['ok/openssl RSA 2048', ['-newkey', 'rsa:2048'], 'RSA', 2048, 'RSA-2048'],
    ['ok/openssl Ed25519', ['-newkey', 'ed25519'], 'Ed25519', 256, 'Ed25519'],
    [
      'ok/openssl EC P-521 (parsed, but not a supported KeyAlgorithm)',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
      'ECDSA',
      521,
      null,
    ],
  ])('%s: parseCsr reads key, SANs and a valid signature', async (name, newkey, keyType, keySize, keyAlgorithm) => {
    const file = name.replace(/\W+/g, '_');
    const { csr, key } = opensslCsr(
      file,
      newkey,
      'svc.example.com',
      'DNS:svc.example.com,DNS:Alt.Example.com,IP:10.1.2.3,IP:2001:db8::7,email:ops@example.com,URI:spiffe://example.org/svc',
    );
    const parsed = await parseCsr(csr);
    expect(parsed).toMatchObject({
      commonName: 'svc.example.com',
      sans: ['svc.example.com', 'Alt.Example.com', '10.1.2.3', '2001:db8::7', 'ops@example.com', 'spiffe://example.org/svc'],
      keyType,
      keySize,
      keyAlgorithm,
      signatureValid: true,
    });
    expect(parsed.der.equals(pemToDer(csr))).toBe(true);
    // the CryptoKey is the CSR's key: same SPKI as openssl derives from the private key
    const spki = opensslOk(['pkey', '-pubout'], key).replace(/-----[^-]+-----|\s/g, '');
    expect((await exportSpki(parsed.publicKey)).toString('base64')).toBe(spki);
  });

  it('ok/CSR without SAN extension', async () => {
    const { csr } = opensslCsr('nosan', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'plain.example.com');
    expect(await parseCsr(csr)).toMatchObject({ commonName: 'plain.example.com', sans: [], signatureValid: true });
  });

  it('ok/openssl CSR → parseCsr → signLeaf → openssl verify, with the CSR key in the cert', async () => {
    const root: CreatedCa = await createRootCa({ commonName: 'CSR Root', keyAlgorithm: 'ECDSA-P384', validityDays: 30 });
    const { csr } = opensslCsr('e2e', ['-newkey', 'rsa:2048'], 'app.example.com', 'DNS:app.example.com,DNS:api.example.com');
    const parsed = await parseCsr(csr);
    const leaf = await signLeaf({
      issuer: root,
      subjectPublicKey: parsed.publicKey,
      commonName: parsed.commonName as string,
      sans: parsed.sans,
    });
    expect(verifyChain(tmp, 'csr-e2e', { root: root.certificatePem, leaf: leaf.certificatePem }).status).toBe(0);
    const certPub = opensslOk(['x509', '-noout', '-pubkey'], leaf.certificatePem);
    const csrPub = opensslOk(['req', '-noout', '-pubkey'], csr);
    expect(certPub).toBe(csrPub);
  });

  it('fail/tampered CSR: signatureValid false (or PkiError)', async () => {
    const { csr } = opensslCsr(
      'tamper',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      'good.example.com',
      'DNS:good.example.com',
    );
    const der = pemToDer(csr);
    const at = der.indexOf(Buffer.from('good.example.com'));
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(der);
    tampered.write('evil', at, 'latin1'); // same length, so the DER structure stays valid
    const parsed = await parseCsr(derToPem(tampered, 'CERTIFICATE REQUEST'));
    expect(parsed.commonName).toBe('evil.example.com');
    expect(parsed.signatureValid).toBe(false);

    // flipping a byte inside the signature value
    const sigFlip = Buffer.from(der);
    sigFlip[sigFlip.length - 5] = (sigFlip[sigFlip.length - 5] as number) ^ 0x01;
    const r = await parseCsr(derToPem(sigFlip, 'CERTIFICATE REQUEST')).then(
      (p) => p.signatureValid,
      (e: unknown) => (e instanceof PkiError ? 'pki-error' : e),
    );
    expect([false, 'pki-error']).toContain(r);
  });

  it.each<[string, unknown]>([
    ['fail/garbage', 'garbage'],
    ['fail/empty string', ''],
    ['fail/undefined', undefined],
    ['fail/object', { pem: 'x' }],
    ['fail/random body', derToPem(Buffer.from('this is not DER'), 'CERTIFICATE REQUEST')],
    ['fail/certificate instead of CSR', derToPem(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), 'CERTIFICATE')],
    ['fail/bad base64', '-----BEGIN CERTIFICATE REQUEST-----\n%%%%\n-----END CERTIFICATE REQUEST-----'],
    ['fail/empty SEQUENCE', derToPem(Buffer.from([0x30, 0x00]), 'CERTIFICATE REQUEST')],
  ])('%s: parseCsr throws PkiError(bad_csr)', async (_name, input) => {
    expect(await pkiCode(parseCsr(input as string))).toBe('bad_csr');
  });

  it('fail/truncated CSR: PkiError(bad_csr)', async () => {
    const { csr } = opensslCsr('trunc', ['-newkey', 'ed25519'], 't.example.com');
    for (const len of [10, 40, pemToDer(csr).length - 10]) {
      expect(await pkiCode(parseCsr(derToPem(pemToDer(csr).subarray(0, len), 'CERTIFICATE REQUEST')))).toBe('bad_csr');
    }
  });

  it('fail/trailing bytes after the DER: PkiError(bad_csr), the same CSR without them parses', async () => {
    const keys = await generateKeyPair('ECDSA-P256');
    const der = pemToDer(await createCsr({ keys, commonName: 'trail.example.com', sans: ['trail.example.com'] }));
    expect((await parseCsr(derToPem(der, 'CERTIFICATE REQUEST'))).signatureValid).toBe(true);
    for (const extra of [Buffer.from([0]), Buffer.from('3000', 'hex'), Buffer.from(der)]) {
      const err = await parseCsr(derToPem(Buffer.concat([der, extra]), 'CERTIFICATE REQUEST')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PkiError);
      expect(err).toMatchObject({ code: 'bad_csr', message: expect.stringMatching(/trailing byte/) });
    }
  });

  it.each<[string, KeyAlgorithm]>([
    ['ok/ECDSA-P256', 'ECDSA-P256'],
    ['ok/ECDSA-P384', 'ECDSA-P384'],
    ['ok/RSA-2048', 'RSA-2048'],
    ['ok/Ed25519', 'Ed25519'],
  ])('%s: createCsr is accepted by openssl req -verify and parses back', async (_name, alg) => {
    const keys = await generateKeyPair(alg);
    const pem = await createCsr({ keys, commonName: 'made.example.com', sans: ['made.example.com', '10.9.8.7', 'dev@example.com'] });
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const r = openssl(['req', '-verify', '-noout', '-text'], pem);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/verify OK/);
    expect(r.stdout).toMatch(/Subject: CN ?= ?made\.example\.com/);
    expect(r.stdout).toContain('DNS:made.example.com, IP Address:10.9.8.7, email:dev@example.com');
    const parsed = await parseCsr(pem);
    expect(parsed).toMatchObject({ keyAlgorithm: alg, signatureValid: true, sans: ['made.example.com', '10.9.8.7', 'dev@example.com'] });
  });

  it('fail/createCsr validates its input', async () => {
    const keys = await generateKeyPair('ECDSA-P256');
    expect(await pkiCode(createCsr({ keys, commonName: '', sans: [] }))).toBe('invalid_request');
    expect(await pkiCode(createCsr({ keys, commonName: 'x', sans: ['bad host'] }))).toBe('bad_san');
    expect(await pkiCode(createCsr({ keys: undefined as never, commonName: 'x', sans: [] }))).toBe('invalid_request');
  });

  describe('csrPublicKey (a CSR checked where it was received)', () => {
    it('ok/gives the same public key as parseCsr', async () => {
      const keys = await generateKeyPair('ECDSA-P256');
      const pem = await createCsr({ keys, commonName: 'a.example.com', sans: ['a.example.com'] });
      const key = await csrPublicKey(pem);
      expect((await exportSpki(key)).equals(await exportSpki((await parseCsr(pem)).publicKey))).toBe(true);
      expect((await exportSpki(key)).equals(await exportSpki(keys.publicKey))).toBe(true);
    });

    it('fail/not a CSR is bad_csr', async () => {
      expect(await pkiCode(csrPublicKey('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'))).toBe('bad_csr');
      expect(await pkiCode(csrPublicKey('nothing'))).toBe('bad_csr');
    });
  });
});
