import { KeyObject, X509Certificate, createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { SCEP_AES_128_CBC, ScepAttribute, certRepStatus, certsOf, openEnvelope, sealEnvelope } from '@certctl/pki';
import { gatewayUrl } from './e2e-env';

// A SCEP client for the tests that scepclient cannot drive: it never sends GetCertInitial
// (CertPoll, messageType 20) and sleeps 30 s between retries of a PENDING request. The messages
// follow RFC 8894 §3: SignedData by the requester's self-signed certificate around an
// EnvelopedData (AES-128-CBC) for the RA, with messageType, transactionID and senderNonce.

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never }));
x509.cryptoProvider.set(webcrypto as never);

const OID = { data: '1.2.840.113549.1.7.1', signedData: '1.2.840.113549.1.7.2', contentType: '1.2.840.113549.1.9.3' };
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** A device: its RSA key pair and the self-signed certificate that signs its requests. */
export interface ScepRequester {
  cn: string;
  /** The private key as Node holds it (opens the CertRep envelope). */
  key: KeyObject;
  keys: webcrypto.CryptoKeyPair;
  certDer: Buffer;
}

export async function newRequester(cn: string): Promise<ScepRequester> {
  const keys = (await webcrypto.subtle.generateKey({ ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    keys: keys as never,
    signingAlgorithm: RSA,
    notAfter: new Date(Date.now() + 86_400_000),
  });
  return { cn, key: KeyObject.from(keys.privateKey), keys, certDer: Buffer.from(cert.rawData) };
}

/** A PKCS#10 request of the requester's key for its CN with a challengePassword, DER. */
export async function scepCsr(who: ScepRequester, challenge: string): Promise<Buffer> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${who.cn}`,
    keys: who.keys as never,
    signingAlgorithm: RSA,
    attributes: [new x509.ChallengePasswordAttribute(challenge)],
  });
  return Buffer.from(csr.rawData);
}

/** GetCertInitial's content (RFC 8894 §3.3.3): IssuerAndSubject, the issuing CA's name and the requester's. */
export function issuerAndSubject(issuerCertDer: Buffer, who: ScepRequester): Buffer {
  const issuer = new x509.X509Certificate(issuerCertDer).subjectName.toArrayBuffer();
  const subject = new x509.X509Certificate(who.certDer).subjectName.toArrayBuffer();
  const sequence = new asn1js.Sequence({ value: [asn1js.fromBER(issuer).result, asn1js.fromBER(subject).result] });
  return Buffer.from(sequence.toBER());
}

/** A pkiMessage: `content` sealed for the RA, signed by the requester with the SCEP attributes. */
export async function pkiMessage(o: {
  messageType: '19' | '20';
  transactionId: string;
  content: Buffer;
  who: ScepRequester;
  raCertDer: Buffer;
}): Promise<Buffer> {
  const envelope = sealEnvelope(o.content, o.raCertDer, SCEP_AES_128_CBC);
  const signer = pkijs.Certificate.fromBER(new Uint8Array(o.who.certDer));
  const printable = (type: string, value: string) => new pkijs.Attribute({ type, values: [new asn1js.PrintableString({ value })] });
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({
      type: OID_MESSAGE_DIGEST,
      values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(envelope).digest() })],
    }),
    printable(ScepAttribute.messageType, o.messageType),
    printable(ScepAttribute.transactionID, o.transactionId),
    new pkijs.Attribute({ type: ScepAttribute.senderNonce, values: [new asn1js.OctetString({ valueHex: randomBytes(16) })] }),
  ];
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID.data,
      eContent: new asn1js.OctetString({ valueHex: envelope }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      }),
    ],
    certificates: [signer],
  });
  await signed.sign(o.who.keys.privateKey as never, 0, 'SHA-256', envelope);
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
  return Buffer.from(info.toSchema().toBER());
}

/** What a CertRep says, with the certificates of a SUCCESS opened with the requester's key. */
export interface ScepReply {
  httpStatus: number;
  pkiStatus?: string;
  failInfo?: string;
  transactionId?: string;
  certificates: X509Certificate[];
}

/** POSTs a pkiMessage to /scep/<label> and reads the CertRep. */
export async function postPkiOperation(label: string, message: Buffer, who: ScepRequester): Promise<ScepReply> {
  const res = await fetch(`${gatewayUrl()}/scep/${label}?operation=PKIOperation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-pki-message' },
    body: message,
  });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) return { httpStatus: res.status, certificates: [] };
  const status = certRepStatus(body);
  const certificates = status.envelopeDer?.length
    ? certsOf(openEnvelope(status.envelopeDer, who.key).content).map((der) => new X509Certificate(der))
    : [];
  return { httpStatus: 200, pkiStatus: status.pkiStatus, failInfo: status.failInfo, transactionId: status.transactionId, certificates };
}

/** GetCACert: the RA certificate (first) and the CA chain, DER. */
export async function caCertificates(label: string): Promise<Buffer[]> {
  const res = await fetch(`${gatewayUrl()}/scep/${label}?operation=GetCACert`);
  if (res.status !== 200) throw new Error(`GetCACert answered ${res.status}`);
  return certsOf(Buffer.from(await res.arrayBuffer()));
}
