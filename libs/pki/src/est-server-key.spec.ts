import { createPrivateKey, webcrypto } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import { createRootCa } from './ca';
import { keygenRecipients } from './est-keygen-recipients';
import { sealServerGeneratedKey } from './est-server-key';
import { exportPrivateKeyPem, generateKeyPair } from './keys';
import { pemToDer } from './pem';
import type { CryptoKey } from './provider';
import { openssl, opensslOk, scratchDir } from '../test/openssl';

// RFC 7030 §4.4.2 encrypted server-generated keys, opened by the openssl CLI as a client would.
describe('EST server-generated key encryption', () => {
  const tmp = scratchDir();
  afterAll(() => tmp.cleanup());

  /** A self-signed recipient made by openssl: its key file, certificate file and PEM. */
  function recipient(name: string, keyArgs: string[], extensions: string[]) {
    const key = join(tmp.dir, `${name}.key`);
    const cert = join(tmp.dir, `${name}.pem`);
    opensslOk(['genpkey', ...keyArgs, '-out', key]);
    const ext = extensions.flatMap((e) => ['-addext', e]);
    opensslOk(['req', '-x509', '-new', '-key', key, '-subj', `/CN=${name}`, '-days', '2', '-out', cert, ...ext]);
    return { key, cert, pem: readFileSync(cert, 'utf8') };
  }

  async function signer() {
    const ca = await createRootCa({
      commonName: 'EST keygen signer',
      organization: 'Certctl Test',
      keyAlgorithm: 'RSA-2048',
      validityDays: 2,
    });
    const pkcs8 = createPrivateKey(ca.privateKeyPem).export({ format: 'der', type: 'pkcs8' });
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    writeFileSync(join(tmp.dir, 'signer.pem'), ca.certificatePem);
    return { certsDer: [pemToDer(ca.certificatePem)], key: key as CryptoKey };
  }

  /** openssl cms -decrypt, then -verify against the signer, then the PKCS#8 inside the key package. */
  function open(sealed: Buffer, who: { key: string; cert: string }, name: string): Buffer {
    const sealedFile = join(tmp.dir, `${name}.p7m`);
    writeFileSync(sealedFile, sealed);
    const signedFile = join(tmp.dir, `${name}.signed`);
    opensslOk([
      'cms',
      '-decrypt',
      '-inform',
      'DER',
      '-in',
      sealedFile,
      '-recip',
      who.cert,
      '-inkey',
      who.key,
      '-binary',
      '-out',
      signedFile,
    ]);
    // The decrypted content is a bare SignedData (content type id-signedData); openssl reads a ContentInfo.
    const info = new asn1js.Sequence({
      value: [
        new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.7.2' }),
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [asn1js.fromBER(new Uint8Array(readFileSync(signedFile))).result],
        }),
      ],
    });
    const infoFile = join(tmp.dir, `${name}.signed.der`);
    writeFileSync(infoFile, Buffer.from(info.toBER()));
    const packageFile = join(tmp.dir, `${name}.akp`);
    opensslOk([
      'cms',
      '-verify',
      '-inform',
      'DER',
      '-in',
      infoFile,
      '-CAfile',
      join(tmp.dir, 'signer.pem'),
      '-binary',
      '-out',
      packageFile,
    ]);
    const keyPackage = asn1js.fromBER(new Uint8Array(readFileSync(packageFile))).result as asn1js.Sequence;
    expect(keyPackage.valueBlock.value).toHaveLength(1);
    return Buffer.from(keyPackage.valueBlock.value[0].toBER());
  }

  it.each([
    ['RSA (key transport)', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'keyEncipherment'],
    ['EC P-256 (key agreement)', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'keyAgreement'],
  ])('%s: openssl decrypts, verifies the signature and finds the generated PKCS#8 key', async (label, keyArgs, usage) => {
    const name = label.startsWith('RSA') ? 'rsa-recipient' : 'ec-recipient';
    const who = recipient(name, keyArgs, [`keyUsage=critical,${usage}`]);
    const { recipients, problems } = keygenRecipients(who.pem);
    expect(problems).toEqual([]);
    const generated = await generateKeyPair('ECDSA-P256');
    const pkcs8Pem = await exportPrivateKeyPem(generated.privateKey);
    const { certsDer, key } = await signer();
    const sealed = await sealServerGeneratedKey({
      pkcs8Der: pemToDer(pkcs8Pem),
      recipient: recipients[0],
      signerCertsDer: certsDer,
      signerKey: key,
    });
    expect(opensslOk(['cms', '-cmsout', '-print', '-inform', 'DER'], sealed)).toContain('envelopedData');
    const opened = open(sealed, who, name);
    expect(opened.equals(pemToDer(pkcs8Pem))).toBe(true);
    // Another key cannot open it.
    const stranger = recipient(`${name}-stranger`, keyArgs, []);
    writeFileSync(join(tmp.dir, 'sealed.p7m'), sealed);
    const refused = openssl([
      'cms',
      '-decrypt',
      '-inform',
      'DER',
      '-in',
      join(tmp.dir, 'sealed.p7m'),
      '-recip',
      stranger.cert,
      '-inkey',
      stranger.key,
    ]);
    expect(refused.status).not.toBe(0);
  });

  it('names each recipient by its subject key identifier, or the SHA-1 of its key when the extension is absent', () => {
    const explicit = recipient(
      'ski-explicit',
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
      ['subjectKeyIdentifier=6465766963652d666c656574'],
    );
    const implicit = recipient('ski-none', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], ['subjectKeyIdentifier=none']);
    const { recipients, problems } = keygenRecipients(explicit.pem + implicit.pem);
    expect(problems).toEqual([]);
    expect(recipients.map((r) => [r.kind, r.keyId])).toEqual([
      ['ec', '6465766963652d666c656574'],
      ['rsa', expect.stringMatching(/^[0-9a-f]{40}$/)],
    ]);
    // Without the extension the identifier is what openssl writes as subjectKeyIdentifier=hash for the same key.
    const hashedCert = join(tmp.dir, 'ski-hash.pem');
    opensslOk([
      'req',
      '-x509',
      '-new',
      '-key',
      implicit.key,
      '-subj',
      '/CN=ski-hash',
      '-days',
      '2',
      '-out',
      hashedCert,
      '-addext',
      'subjectKeyIdentifier=hash',
    ]);
    expect(keygenRecipients(readFileSync(hashedCert, 'utf8')).recipients[0].keyId).toBe(recipients[1].keyId);
  });

  it('refuses what cannot receive a key: signing-only usage, Ed25519, duplicates, garbage', () => {
    const signing = recipient(
      'sign-only',
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
      ['keyUsage=critical,digitalSignature'],
    );
    const ed = recipient('ed', ['-algorithm', 'ED25519'], []);
    const fine = recipient('fine', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], []);
    const { recipients, problems } = keygenRecipients(signing.pem + ed.pem + fine.pem + fine.pem);
    expect(recipients).toHaveLength(1);
    expect(problems).toEqual([
      expect.stringContaining('without keyEncipherment'),
      expect.stringContaining('ed25519 key'),
      expect.stringContaining('key identifier'),
    ]);
    expect(keygenRecipients('not a certificate').problems).toEqual(['holds no PEM CERTIFICATE block']);
    expect(keygenRecipients('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').problems[0]).toMatch(/cannot be read/);
  });
});
