import {
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  EncapsulatedContentInfo,
  SignedData,
  id_data,
  id_signedData,
} from '@peculiar/asn1-cms';
import { AsnArray, AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from '@peculiar/asn1-schema';
import { Attribute, Certificate } from '@peculiar/asn1-x509';
import { AppError } from '@certctl/contracts';
import { derToPem, pemToDer, splitPemChain } from '@certctl/pki';

/** RFC 7030 content types. */
export const PKCS7_CERTS_ONLY = 'application/pkcs7-mime; smime-type=certs-only';
export const CSRATTRS = 'application/csrattrs';
export const PKCS8 = 'application/pkcs8';

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
  const certificates = new CertificateSet();
  for (const pem of pems.flatMap((p) => splitPemChain(p))) {
    const der = pemToDer(pem);
    if (seen.has(der.toString('base64'))) continue;
    seen.add(der.toString('base64'));
    certificates.push(new CertificateChoices({ certificate: AsnConvert.parse(der, Certificate) }));
  }
  const signed = new SignedData({
    version: 1,
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
    certificates,
  });
  return Buffer.from(AsnConvert.serialize(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signed) })));
}

/** The certificates of a certs-only CMS message, as PEM (what `openssl pkcs7 -print_certs` shows). */
export function certsOfPkcs7(der: Uint8Array): string[] {
  const info = AsnConvert.parse(der, ContentInfo);
  const signed = AsnConvert.parse(info.content, SignedData);
  return (signed.certificates ?? [])
    .filter((c) => c.certificate)
    .map((c) => derToPem(new Uint8Array(AsnConvert.serialize(c.certificate!)), 'CERTIFICATE'));
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

/** `AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute }` (RFC 7030 §4.5.2). */
@AsnType({ type: AsnTypeTypes.Choice })
class AttrOrOid {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  oid?: string;

  @AsnProp({ type: Attribute })
  attribute?: Attribute;

  constructor(params: Partial<AttrOrOid> = {}) {
    Object.assign(this, params);
  }
}

/** `CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID`: no library models it, so it is declared here with asn1-schema. */
@AsnType({ type: AsnTypeTypes.Sequence, itemType: AttrOrOid })
class CsrAttrs extends AsnArray<AttrOrOid> {}

/** An OBJECT IDENTIFIER on its own, DER (an attribute value). */
@AsnType({ type: AsnTypeTypes.Choice })
class OidValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  value = '';
}

const oid = (value: string) => new AttrOrOid({ oid: value });
const oidDer = (value: string) => AsnConvert.serialize(Object.assign(new OidValue(), { value }));

/**
 * CSR attributes (RFC 7030 §4.5.2) for a key algorithm of the platform (`ECDSA-P256`,
 * `RSA-2048`, …): the key type (for ECDSA as an Attribute naming its curve), the signature
 * algorithm, and challengePassword when the profile wants channel binding.
 */
export function csrAttrs(keyAlgorithm: string, channelBinding: boolean): Buffer {
  const attrs = new CsrAttrs();
  if (channelBinding) attrs.push(oid(OID.challengePassword));
  if (keyAlgorithm.startsWith('ECDSA')) {
    const p384 = keyAlgorithm === 'ECDSA-P384';
    attrs.push(
      new AttrOrOid({ attribute: new Attribute({ type: OID.ecPublicKey, values: [oidDer(p384 ? OID.secp384r1 : OID.secp256r1)] }) }),
      oid(p384 ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256),
    );
  } else if (keyAlgorithm === 'Ed25519') {
    attrs.push(oid(OID.ed25519));
  } else {
    attrs.push(oid(OID.rsaEncryption), oid(OID.sha256WithRsa));
  }
  return Buffer.from(AsnConvert.serialize(attrs));
}

/** One entry of a CsrAttrs: a bare OID, or an Attribute with its values (each an OID when it is one, else its DER in hex). */
export type CsrAttrEntry = { oid: string } | { type: string; values: string[] };

/** Reads a CsrAttrs (RFC 7030 §4.5.2) back into its entries, in order: for clients and tests, as csrAttrs() writes them. */
export function readCsrAttrs(der: Uint8Array): CsrAttrEntry[] {
  const valueOf = (value: ArrayBuffer) => {
    try {
      return AsnConvert.parse(value, OidValue).value;
    } catch {
      return Buffer.from(value).toString('hex');
    }
  };
  return Array.from(AsnConvert.parse(der, CsrAttrs), (entry) =>
    entry.attribute ? { type: entry.attribute.type, values: entry.attribute.values.map(valueOf) } : { oid: entry.oid ?? '' },
  );
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
