import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '@certctl/contracts';
import { derToPem, splitPemChain, pemToDer, toArrayBuffer } from '@certctl/pki';

/** RFC 7030 content types. */
export const PKCS7_CERTS_ONLY = 'application/pkcs7-mime; smime-type=certs-only';
export const CSRATTRS = 'application/csrattrs';
export const PKCS8 = 'application/pkcs8';

const ID_DATA = '1.2.840.113549.1.7.1';
const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';

/** Base64 with a line break every 64 characters (RFC 7030 §4: base64 Content-Transfer-Encoding). */
export function base64Lines(der: Uint8Array): string {
  return `${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\r\n')}\r\n`;
}

/**
 * A certs-only CMS SignedData (RFC 5652 degenerate case, RFC 7030 §4.1.3): no content, no
 * signers, the certificates given (PEM, each block once), DER.
 */
export function certsOnly(pems: string[]): Buffer {
  const seen = new Set<string>();
  const certificates: pkijs.Certificate[] = [];
  for (const pem of pems.flatMap((p) => splitPemChain(p))) {
    const der = pemToDer(pem);
    const key = der.toString('base64');
    if (seen.has(key)) continue;
    seen.add(key);
    certificates.push(pkijs.Certificate.fromBER(toArrayBuffer(der)));
  }
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: ID_DATA }),
    certificates,
    digestAlgorithms: [],
    signerInfos: [],
  });
  const info = new pkijs.ContentInfo({ contentType: ID_SIGNED_DATA, content: signed.toSchema(true) });
  return Buffer.from(info.toSchema().toBER(false));
}

/** The certificates of a certs-only CMS message, as PEM (what `openssl pkcs7 -print_certs` shows). */
export function certsOfPkcs7(der: Uint8Array): string[] {
  const info = pkijs.ContentInfo.fromBER(toArrayBuffer(der));
  const signed = new pkijs.SignedData({ schema: info.content });
  return (signed.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => derToPem(new Uint8Array(c.toSchema().toBER(false)), 'CERTIFICATE'));
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ed25519: '1.3.101.112',
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  challengePassword: '1.2.840.113549.1.9.7',
};

/**
 * CSR attributes (RFC 7030 §4.5.2, `CsrAttrs ::= SEQUENCE OF AttrOrOID`) for a key algorithm of
 * the platform (`ECDSA-P256`, `RSA-2048`, …): the key type (with its curve for ECDSA as an
 * Attribute), the signature algorithm, and challengePassword when the profile wants channel
 * binding. No library models CsrAttrs, so it is built from asn1js nodes (not raw bytes).
 */
export function csrAttrs(keyAlgorithm: string, channelBinding: boolean): Buffer {
  const items: asn1js.AsnType[] = [];
  if (channelBinding) items.push(new asn1js.ObjectIdentifier({ value: OID.challengePassword }));
  if (keyAlgorithm.startsWith('ECDSA')) {
    const p384 = keyAlgorithm === 'ECDSA-P384';
    items.push(
      new asn1js.Sequence({
        value: [
          new asn1js.ObjectIdentifier({ value: OID.ecPublicKey }),
          new asn1js.Set({ value: [new asn1js.ObjectIdentifier({ value: p384 ? OID.secp384r1 : OID.secp256r1 })] }),
        ],
      }),
      new asn1js.ObjectIdentifier({ value: p384 ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256 }),
    );
  } else if (keyAlgorithm === 'Ed25519') {
    items.push(new asn1js.ObjectIdentifier({ value: OID.ed25519 }));
  } else {
    items.push(new asn1js.ObjectIdentifier({ value: OID.rsaEncryption }), new asn1js.ObjectIdentifier({ value: OID.sha256WithRsa }));
  }
  return Buffer.from(new asn1js.Sequence({ value: items }).toBER(false));
}

/**
 * The DER a base64 body (RFC 7030: `Content-Transfer-Encoding: base64`, line breaks allowed)
 * carries; a 400 for anything else. A PEM-armoured CSR is accepted too (some clients send one).
 */
export function derOfBase64Body(body: Buffer | undefined, what: string): Buffer {
  const text = (body ?? Buffer.alloc(0)).toString('latin1');
  const armoured = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/.exec(text);
  const b64 = (armoured ? armoured[1] : text).replace(/[\r\n\t ]/g, '');
  if (!b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1)
    throw new AppError('bad_request', `The body must be the base64 of a DER ${what}.`);
  const der = Buffer.from(b64, 'base64');
  if (der.length < 16 || der[0] !== 0x30) throw new AppError('bad_request', `The body is not a DER ${what}.`);
  return der;
}

/** A multipart/mixed body (RFC 7030 §4.4.2): each part with its content type and base64 transfer encoding. */
export function multipartMixed(parts: { type: string; der: Uint8Array }[], boundary: string): Buffer {
  const text = parts
    .map((p) => `--${boundary}\r\nContent-Type: ${p.type}\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(p.der)}`)
    .join('');
  return Buffer.from(`${text}--${boundary}--\r\n`, 'latin1');
}
