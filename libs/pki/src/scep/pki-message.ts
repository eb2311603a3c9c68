import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { CryptoKey } from '../provider';
import { cms, ownBytes } from './engine';
import { octetBytes } from './envelope';
import { CmsOid, ScepAttribute, ScepFailInfo, ScepFailure, type ScepFailInfoName, ScepPkiStatus } from './oids';

type Pkijs = ReturnType<typeof cms>;
type SignedData = InstanceType<Pkijs['SignedData']>;
type Attribute = InstanceType<Pkijs['Attribute']>;

/** A request that is not a SCEP pkiMessage at all (no CertRep can answer it): HTTP 400 at the edge. */
export class ScepMalformed extends Error {
  override name = 'ScepMalformed';
}

export interface PkiMessage {
  messageType: string;
  transactionId: string;
  senderNonce: Buffer;
  /** DER of the certificate that signed the message (self-signed for PKCSReq, the old one for RenewalReq). */
  signerCertDer: Buffer;
  /** The signature over the signed attributes verified with signerCertDer and the digest matched. */
  signatureValid: boolean;
  /** ContentInfo(EnvelopedData) bytes: the pkcsPKIEnvelope, still encrypted. */
  envelopeDer: Buffer;
}

function attribute(attrs: Attribute[], oid: string): asn1js.AsnType | undefined {
  return attrs.find((a) => a.type === oid)?.values[0] as asn1js.AsnType | undefined;
}

function text(value: asn1js.AsnType | undefined): string | undefined {
  if (!value) return undefined;
  const block = (value as { valueBlock?: { value?: unknown } }).valueBlock;
  return typeof block?.value === 'string' ? block.value : undefined;
}

function octets(value: asn1js.AsnType | undefined): Buffer | undefined {
  return value instanceof asn1js.OctetString ? octetBytes(value) : undefined;
}

function parseSignedData(der: Uint8Array): SignedData {
  const pkijs = cms();
  try {
    const info = pkijs.ContentInfo.fromBER(ownBytes(der));
    if (info.contentType !== CmsOid.signedData) throw new Error(`content type ${info.contentType}`);
    return new pkijs.SignedData({ schema: info.content });
  } catch (err) {
    throw new ScepMalformed(`not a CMS SignedData: ${(err as Error).message}`);
  }
}

/** The signer's certificate, found by the SignerInfo's issuer and serial among the message's certificates. */
function signerCertificate(signed: SignedData): InstanceType<Pkijs['Certificate']> {
  const pkijs = cms();
  const sid = signed.signerInfos[0]?.sid as unknown;
  const certs = (signed.certificates ?? []).filter((c): c is InstanceType<Pkijs['Certificate']> => c instanceof pkijs.Certificate);
  const match =
    sid instanceof pkijs.IssuerAndSerialNumber
      ? certs.find((c) => c.serialNumber.isEqual(sid.serialNumber) && c.issuer.isEqual(sid.issuer))
      : undefined;
  const found = match ?? (certs.length === 1 ? certs[0] : undefined);
  if (!found) throw new ScepMalformed('the signer certificate is not in the message');
  return found;
}

async function verifies(signed: SignedData): Promise<boolean> {
  try {
    return (await signed.verify({ signer: 0, checkChain: false })) === true;
  } catch {
    return false;
  }
}

/** Parses a SCEP request (PKCSReq, RenewalReq, CertPoll): SignedData around the still-encrypted envelope. */
export async function parsePkiMessage(der: Uint8Array): Promise<PkiMessage> {
  const signed = parseSignedData(der);
  const signer = signed.signerInfos[0];
  const attrs = signer?.signedAttrs?.attributes;
  if (!signer || !attrs) throw new ScepMalformed('the pkiMessage has no signed attributes');
  const messageType = text(attribute(attrs, ScepAttribute.messageType));
  const transactionId = text(attribute(attrs, ScepAttribute.transactionID));
  const senderNonce = octets(attribute(attrs, ScepAttribute.senderNonce));
  if (!messageType || !transactionId) throw new ScepMalformed('the pkiMessage lacks messageType or transactionID');
  const cert = signerCertificate(signed);
  const content = signed.encapContentInfo.eContent;
  const envelopeDer = content ? octetBytes(content) : Buffer.alloc(0);
  const signatureValid = await verifies(signed);
  return {
    messageType,
    transactionId,
    senderNonce: senderNonce ?? Buffer.alloc(0),
    signerCertDer: Buffer.from(cert.toSchema().toBER()),
    signatureValid,
    envelopeDer,
  };
}

export interface CertRepRequest {
  transactionId: string;
  /** The request's senderNonce, echoed as recipientNonce. */
  recipientNonce: Buffer;
  status: keyof typeof ScepPkiStatus;
  failInfo?: ScepFailInfoName;
  failInfoText?: string;
  /** For SUCCESS: the sealed pkcsPKIEnvelope (ContentInfo(EnvelopedData)). */
  envelopeDer?: Buffer;
  raCertDer: Uint8Array;
  raKey: CryptoKey;
}

function printable(oid: string, value: string): Attribute {
  return new (cms().Attribute)({ type: oid, values: [new asn1js.PrintableString({ value })] });
}

function octetAttribute(oid: string, value: Uint8Array): Attribute {
  return new (cms().Attribute)({ type: oid, values: [new asn1js.OctetString({ valueHex: value })] });
}

/**
 * Attributes in DER SET OF order (X.690 §11.6: ascending by encoding). pkijs signs them in
 * the order given; verifiers that re-encode the set (Go's crypto libraries, so micromdm's
 * scepclient) sort it first, and would check the signature over other bytes.
 */
export function derSetOrder(attributes: Attribute[]): Attribute[] {
  const encoded = attributes.map((attr) => ({ attr, der: Buffer.from(attr.toSchema().toBER()) }));
  return encoded.sort((a, b) => Buffer.compare(a.der, b.der)).map((e) => e.attr);
}

/** A CertRep (RFC 8894 §3.3.2): SignedData by the RA key; the envelope only on SUCCESS. */
export async function buildCertRep(req: CertRepRequest): Promise<Buffer> {
  const pkijs = cms();
  if (req.status === 'FAILURE' && !req.failInfo) throw new ScepFailure('badRequest', 'a FAILURE needs a failInfo');
  const content = req.status === 'SUCCESS' ? (req.envelopeDer ?? Buffer.alloc(0)) : undefined;
  const raCert = pkijs.Certificate.fromBER(ownBytes(req.raCertDer));
  const attributes: Attribute[] = [
    new pkijs.Attribute({ type: CmsOid.contentType, values: [new asn1js.ObjectIdentifier({ value: CmsOid.data })] }),
    new pkijs.Attribute({ type: CmsOid.signingTime, values: [new asn1js.UTCTime({ valueDate: new Date() })] }),
    octetAttribute(
      CmsOid.messageDigest,
      createHash('sha256')
        .update(content ?? Buffer.alloc(0))
        .digest(),
    ),
    printable(ScepAttribute.messageType, '3'),
    printable(ScepAttribute.transactionID, req.transactionId),
    printable(ScepAttribute.pkiStatus, ScepPkiStatus[req.status]),
    octetAttribute(ScepAttribute.senderNonce, randomBytes(16)),
    octetAttribute(ScepAttribute.recipientNonce, req.recipientNonce),
  ];
  if (req.status === 'FAILURE' && req.failInfo) {
    attributes.push(printable(ScepAttribute.failInfo, ScepFailInfo[req.failInfo]));
    if (req.failInfoText) {
      attributes.push(
        new pkijs.Attribute({
          type: ScepAttribute.failInfoText,
          values: [new asn1js.Utf8String({ value: req.failInfoText.slice(0, 200) })],
        }),
      );
    }
  }
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: CmsOid.data,
      ...(content ? { eContent: new asn1js.OctetString({ valueHex: content }) } : {}),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: raCert.issuer, serialNumber: raCert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: derSetOrder(attributes) }),
      }),
    ],
    certificates: [raCert],
  });
  await signed.sign(req.raKey as never, 0, 'SHA-256', content);
  const info = new pkijs.ContentInfo({ contentType: CmsOid.signedData, content: signed.toSchema(true) });
  return Buffer.from(info.toSchema().toBER());
}

/** A degenerate certs-only SignedData (RFC 8894 §3.4): no signers, just the certificates in order. */
export function certsOnly(certsDer: readonly Uint8Array[]): Buffer {
  const pkijs = cms();
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: CmsOid.data }),
    certificates: certsDer.map((der) => pkijs.Certificate.fromBER(ownBytes(der))),
    signerInfos: [],
  });
  const info = new pkijs.ContentInfo({ contentType: CmsOid.signedData, content: signed.toSchema(true) });
  return Buffer.from(info.toSchema().toBER());
}

/** The certificates of a certs-only SignedData, in order (DER). */
export function certsOf(der: Uint8Array): Buffer[] {
  const signed = parseSignedData(der);
  return (signed.certificates ?? []).map((c) => Buffer.from(c.toSchema().toBER()));
}

/** The status attributes of a CertRep, for clients and tests: pkiStatus, failInfo, transactionID. */
export function certRepStatus(der: Uint8Array): { pkiStatus?: string; failInfo?: string; transactionId?: string; envelopeDer?: Buffer } {
  const signed = parseSignedData(der);
  const attrs = signed.signerInfos[0]?.signedAttrs?.attributes ?? [];
  const content = signed.encapContentInfo.eContent;
  return {
    pkiStatus: text(attribute(attrs, ScepAttribute.pkiStatus)),
    failInfo: text(attribute(attrs, ScepAttribute.failInfo)),
    transactionId: text(attribute(attrs, ScepAttribute.transactionID)),
    envelopeDer: content ? octetBytes(content) : undefined,
  };
}
