import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { AppError } from '@certctl/contracts';
import { ASYMM_DECRYPT_KEY_ID, DECRYPT_KEY_ID, requestedRecipient } from './est-keygen';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A self-signed EC certificate with the subject key identifier given (hex). */
async function recipientPem(keyIdHex: string): Promise<string> {
  const keys = await crypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=fleet recipient',
    keys,
    signingAlgorithm: alg,
    notAfter: new Date(Date.now() + 86_400_000),
    extensions: [new x509.SubjectKeyIdentifierExtension(keyIdHex)],
  });
  return cert.toString('pem');
}

/** A CSR carrying the attributes given (each one value, DER). */
async function csrWith(attributes: { type: string; value: asn1js.BaseBlock }[]): Promise<Buffer> {
  const keys = await crypto.subtle.generateKey(alg, false, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=device.est.test',
    keys,
    signingAlgorithm: alg,
    attributes: attributes.map((a) => new x509.Attribute(a.type, [a.value.toBER()])),
  });
  return Buffer.from(csr.rawData);
}

const octets = (hex: string) => new asn1js.OctetString({ valueHex: Buffer.from(hex, 'hex') });
const refusal = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a refusal');
};

describe('EST serverkeygen recipient (RFC 7030 §4.4.1)', () => {
  let pem: string;
  beforeAll(async () => {
    pem = (await recipientPem('a1b2c3d4')) + (await recipientPem(Buffer.from('fleet-1').toString('hex')));
  });

  it('no identifier: no recipient (plain PKCS#8 over TLS)', async () => {
    expect(requestedRecipient(await csrWith([]), pem)).toBeUndefined();
  });

  it('an OCTET STRING AsymmetricDecryptKeyIdentifier finds the recipient with that subject key identifier', async () => {
    const found = requestedRecipient(await csrWith([{ type: ASYMM_DECRYPT_KEY_ID, value: octets('a1b2c3d4') }]), pem);
    expect(found).toMatchObject({ keyId: 'a1b2c3d4', kind: 'ec' });
  });

  it('a character string (what openssl req writes) counts by its bytes', async () => {
    const csr = await csrWith([{ type: ASYMM_DECRYPT_KEY_ID, value: new asn1js.Utf8String({ value: 'fleet-1' }) }]);
    expect(requestedRecipient(csr, pem)?.keyId).toBe(Buffer.from('fleet-1').toString('hex'));
  });

  it('an identifier no recipient has is a 400 naming it; so is one on a profile without recipients', async () => {
    const csr = await csrWith([{ type: ASYMM_DECRYPT_KEY_ID, value: octets('ffee') }]);
    const err = refusal(() => requestedRecipient(csr, pem));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('bad_request');
    expect(err.message).toContain('AsymmetricDecryptKeyIdentifier ffee');
    expect(refusal(() => requestedRecipient(csr, undefined)).message).toContain('none of this EST profile');
  });

  it('DecryptKeyIdentifier (a shared symmetric key) is refused with the reason; a malformed identifier is a 400', async () => {
    const symmetric = await csrWith([{ type: DECRYPT_KEY_ID, value: octets('01') }]);
    expect(refusal(() => requestedRecipient(symmetric, pem)).message).toContain('DecryptKeyIdentifier, RFC 7030 §4.4.1.1');
    const wrongType = await csrWith([{ type: ASYMM_DECRYPT_KEY_ID, value: new asn1js.Integer({ value: 7 }) }]);
    expect(refusal(() => requestedRecipient(wrongType, pem)).message).toContain('must be one OCTET STRING');
  });
});
