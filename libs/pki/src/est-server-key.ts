// The encrypted server-generated key of EST (RFC 7030 §4.4.2): the private key as an RFC 5958
// asymmetric key package, signed by the party that generated it (CMS SignedData, eContentType
// id-ct-KP-aKeyPackage), then enveloped for the client's key (CMS EnvelopedData: RSA key
// transport with RSAES-OAEP, or ECDH key agreement with AES key wrap) around AES-256-CBC.
// pkijs builds every structure; nothing here is hand-written ASN.1.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { KeygenRecipient } from './est-keygen-recipients';
import type { CryptoKey } from './provider';
import { cms, ownBytes } from './scep/engine';
import { CmsOid } from './scep/oids';
import { derSetOrder } from './scep/pki-message';

/** id-ct-KP-aKeyPackage (RFC 5958 §3): the content type of an asymmetric key package. */
export const ID_CT_KP_AKEY_PACKAGE = '2.16.840.1.101.2.1.2.78.5';
/** The MIME type of the key part (RFC 7030 §4.4.2). */
export const SERVER_GENERATED_KEY = 'application/pkcs7-mime; smime-type=server-generated-key';

export interface ServerKeyRequest {
  /** The generated private key, PKCS#8 (a OneAsymmetricKey of version 1). */
  pkcs8Der: Uint8Array;
  recipient: KeygenRecipient;
  /** The certificate of the signing key, then the chain to verify it with (DER); all go into the SignedData. */
  signerCertsDer: Uint8Array[];
  /** RSASSA-PKCS1-v1_5 with SHA-256. */
  signerKey: CryptoKey;
}

/** The key part of an encrypted serverkeygen answer: ContentInfo(EnvelopedData(SignedData(AsymmetricKeyPackage))), DER. */
export async function sealServerGeneratedKey(req: ServerKeyRequest): Promise<Buffer> {
  const pkijs = cms();
  // AsymmetricKeyPackage ::= SEQUENCE SIZE (1..MAX) OF OneAsymmetricKey (RFC 5958 §2).
  const pkcs8 = asn1js.fromBER(ownBytes(req.pkcs8Der));
  if (pkcs8.offset === -1) throw new Error('the generated key is not DER');
  const keyPackage = new Uint8Array(new asn1js.Sequence({ value: [pkcs8.result as asn1js.Sequence] }).toBER());
  const signed = await signedKeyPackage(keyPackage, req);
  const enveloped = new pkijs.EnvelopedData();
  const recipientCert = pkijs.Certificate.fromBER(ownBytes(req.recipient.certDer));
  const added = enveloped.addRecipientByCertificate(
    recipientCert,
    { oaepHashAlgorithm: 'SHA-256', kdfAlgorithm: 'SHA-256', kekEncryptionLength: 256 },
    req.recipient.kind === 'rsa' ? 1 : 2,
  );
  if (!added) throw new Error(`pkijs cannot encrypt to ${req.recipient.subject}`);
  await enveloped.encrypt(
    { name: 'AES-CBC', length: 256 } as Parameters<typeof enveloped.encrypt>[0],
    ownBytes(signed).buffer as ArrayBuffer,
  );
  enveloped.encryptedContentInfo.contentType = CmsOid.signedData;
  const info = new pkijs.ContentInfo({ contentType: CmsOid.envelopedData, content: enveloped.toSchema() });
  return Buffer.from(info.toSchema().toBER());
}

/** SignedData (RFC 5652 §5, version 3 for a content type other than id-data) over the key package: its DER, no ContentInfo around it. */
async function signedKeyPackage(keyPackage: Uint8Array, req: ServerKeyRequest): Promise<Buffer> {
  const pkijs = cms();
  const certs = req.signerCertsDer.map((der) => pkijs.Certificate.fromBER(ownBytes(der)));
  const signer = certs[0];
  if (!signer) throw new Error('a server-generated key needs a signing certificate');
  const attributes = [
    new pkijs.Attribute({ type: CmsOid.contentType, values: [new asn1js.ObjectIdentifier({ value: ID_CT_KP_AKEY_PACKAGE })] }),
    new pkijs.Attribute({ type: CmsOid.signingTime, values: [new asn1js.UTCTime({ valueDate: new Date() })] }),
    new pkijs.Attribute({
      type: CmsOid.messageDigest,
      values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(keyPackage).digest() })],
    }),
  ];
  const signed = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: ID_CT_KP_AKEY_PACKAGE,
      eContent: new asn1js.OctetString({ valueHex: keyPackage }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: derSetOrder(attributes) }),
      }),
    ],
    certificates: certs,
  });
  await signed.sign(req.signerKey as never, 0, 'SHA-256', keyPackage);
  return Buffer.from(signed.toSchema(true).toBER());
}
