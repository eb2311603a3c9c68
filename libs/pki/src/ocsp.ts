// RFC 6960 OCSP: request parsing (hostile input → PkiError('bad_ocsp_request')), the
// CertID hashes of an issuer, and BasicOCSPResponse building signed by a delegated responder.
import { createHash, createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { OCSPRequest, id_pkix_ocsp_nonce } from '@peculiar/asn1-ocsp';
import { PkiError } from './errors';
import { assertSingleDer, bitString, generalizedTime, seq, tlv, tlvOf } from './der';
import { pemToDerWithLabel, toArrayBuffer } from './pem';
import { x509 } from './provider';
import { normalizeSerialHex } from './serial';

export const OCSP_MAX_REQUEST_BYTES = 8192;
/** At most this many certificates per request (RFC 6960 allows a list; clients send one). */
export const OCSP_MAX_CERTS_PER_REQUEST = 16;

const HASHES: Record<string, 'sha1' | 'sha256' | 'sha384' | 'sha512'> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface OcspCertId {
  hash: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  issuerNameHash: string;
  issuerKeyHash: string;
  /** Normalized lowercase hex serial. */
  serialNumber: string;
  /** The CertID exactly as the client encoded it, echoed in the response. */
  der: Buffer;
}

export interface ParsedOcspRequest {
  certs: OcspCertId[];
  /** The whole nonce extension (DER), echoed in the response when present. */
  nonceExtension?: Buffer;
}

/** Parses a DER OCSPRequest; anything that is not a well-formed request throws PkiError('bad_ocsp_request'). */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  if (!(der instanceof Uint8Array) || der.length === 0) throw new PkiError('bad_ocsp_request', 'empty request');
  if (der.length > OCSP_MAX_REQUEST_BYTES) throw new PkiError('bad_ocsp_request', 'request too large');
  assertSingleDer(der, 'bad_ocsp_request', 'the request');
  let req: OCSPRequest;
  try {
    req = AsnConvert.parse(toArrayBuffer(der), OCSPRequest);
  } catch (err) {
    throw new PkiError('bad_ocsp_request', `not an OCSP request: ${(err as Error).message}`, { cause: err });
  }
  const list = req.tbsRequest?.requestList;
  if (!Array.isArray(list) || list.length === 0) throw new PkiError('bad_ocsp_request', 'request lists no certificate');
  if (list.length > OCSP_MAX_CERTS_PER_REQUEST) throw new PkiError('bad_ocsp_request', 'request lists too many certificates');
  const certs = list.map((r): OcspCertId => {
    const id = r.reqCert;
    const hash = HASHES[id.hashAlgorithm.algorithm];
    if (!hash) throw new PkiError('bad_ocsp_request', `unsupported hash algorithm ${id.hashAlgorithm.algorithm}`);
    const serial = Buffer.from(id.serialNumber);
    if (serial.length === 0 || serial.length > 40) throw new PkiError('bad_ocsp_request', 'bad serial number');
    return {
      hash,
      issuerNameHash: Buffer.from(id.issuerNameHash.buffer).toString('hex'),
      issuerKeyHash: Buffer.from(id.issuerKeyHash.buffer).toString('hex'),
      serialNumber: normalizeSerialHex(serial.toString('hex')),
      der: Buffer.from(AsnConvert.serialize(id)),
    };
  });
  const nonce = req.tbsRequest.requestExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
  if (nonce && (nonce.extnValue.byteLength === 0 || nonce.extnValue.byteLength > 128)) {
    throw new PkiError('bad_ocsp_request', 'bad nonce');
  }
  return { certs, ...(nonce ? { nonceExtension: Buffer.from(AsnConvert.serialize(nonce)) } : {}) };
}

/** The issuerNameHash/issuerKeyHash pairs (hex) a CertID for this CA carries, per hash algorithm. */
export function issuerCertIdHashes(caCertificatePem: string): Record<OcspCertId['hash'], { name: string; key: string }> {
  const cert = new x509.X509Certificate(pemToDerWithLabel(caCertificatePem, ['CERTIFICATE'], 'bad_certificate'));
  const name = Buffer.from(cert.subjectName.toArrayBuffer());
  const key = subjectPublicKeyBits(Buffer.from(cert.publicKey.rawData));
  const h = (alg: string, data: Buffer) => createHash(alg).update(data).digest('hex');
  const out = {} as Record<OcspCertId['hash'], { name: string; key: string }>;
  for (const alg of ['sha1', 'sha256', 'sha384', 'sha512'] as const) out[alg] = { name: h(alg, name), key: h(alg, key) };
  return out;
}

/** The subjectPublicKey BIT STRING contents (without the unused-bits octet) of a DER SPKI. */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const inner = readTlv(spki, 0).content;
  const alg = readTlv(inner, 0);
  const bits = readTlv(inner, alg.end);
  if (bits.tag !== 0x03) throw new PkiError('bad_certificate', 'SPKI has no BIT STRING');
  return bits.content.subarray(1);
}

function readTlv(buf: Buffer, at: number): { tag: number; content: Buffer; end: number } {
  const tag = buf[at] as number;
  let len = buf[at + 1] as number;
  let off = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[off + i] as number);
    off += n;
  }
  return { tag, content: buf.subarray(off, off + len), end: off + len };
}

export type OcspStatus = { status: 'good' } | { status: 'unknown' } | { status: 'revoked'; revokedAt: Date; reasonCode: number };

export interface OcspSingleResult {
  certId: OcspCertId;
  result: OcspStatus;
  thisUpdate: Date;
  nextUpdate: Date;
}

/** A delegated OCSP responder: its certificate and key, ready to sign many responses quickly. */
export class OcspSigner {
  private readonly key: KeyObject;
  private readonly certDer: Buffer;
  private readonly keyHash: Buffer;
  private readonly algId: Buffer;
  private readonly digest: string | null;

  constructor(certificatePem: string, privateKeyPem: string) {
    this.certDer = pemToDerWithLabel(certificatePem, ['CERTIFICATE'], 'bad_certificate');
    this.key = createPrivateKey(privateKeyPem);
    const cert = new x509.X509Certificate(toArrayBuffer(this.certDer));
    this.keyHash = createHash('sha1')
      .update(subjectPublicKeyBits(Buffer.from(cert.publicKey.rawData)))
      .digest();
    const type = this.key.asymmetricKeyType;
    const curve = this.key.asymmetricKeyDetails?.namedCurve;
    if (type === 'ec' && curve === 'secp384r1') {
      this.algId = Buffer.from('300a06082a8648ce3d040303', 'hex');
      this.digest = 'sha384';
    } else if (type === 'ec') {
      this.algId = Buffer.from('300a06082a8648ce3d040302', 'hex');
      this.digest = 'sha256';
    } else if (type === 'rsa') {
      this.algId = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
      this.digest = 'sha256';
    } else if (type === 'ed25519') {
      this.algId = Buffer.from('300506032b6570', 'hex');
      this.digest = null;
    } else throw new PkiError('unsupported_key', `unsupported responder key ${String(type)}`);
  }

  /** A signed, successful OCSPResponse (DER) for the given results. */
  sign(results: readonly OcspSingleResult[], producedAt: Date, nonceExtension?: Buffer): Buffer {
    const responses = results.map((r) => {
      let status: Buffer;
      if (r.result.status === 'good') status = Buffer.from([0x80, 0x00]);
      else if (r.result.status === 'unknown') status = Buffer.from([0x82, 0x00]);
      else {
        const parts = [generalizedTime(r.result.revokedAt)];
        if (r.result.reasonCode !== 0) parts.push(tlv(0xa0, Buffer.from([0x0a, 0x01, r.result.reasonCode])));
        status = tlv(0xa1, ...parts);
      }
      return seq(r.certId.der, status, generalizedTime(r.thisUpdate), tlv(0xa0, generalizedTime(r.nextUpdate)));
    });
    const tbsParts = [tlv(0xa2, tlv(0x04, this.keyHash)), generalizedTime(producedAt), tlvOf(0x30, responses)];
    if (nonceExtension) tbsParts.push(tlv(0xa1, seq(nonceExtension)));
    const tbs = tlvOf(0x30, tbsParts);
    const signature = nodeSign(this.digest, tbs, { key: this.key, dsaEncoding: 'der' });
    const basic = seq(tbs, this.algId, bitString(signature), tlv(0xa0, seq(this.certDer)));
    return seq(Buffer.from([0x0a, 0x01, 0x00]), tlv(0xa0, seq(Buffer.from('06092b0601050507300101', 'hex'), tlv(0x04, basic))));
  }
}

export type OcspErrorStatus = 'malformedRequest' | 'internalError' | 'tryLater' | 'unauthorized';
const ERROR_CODES: Record<OcspErrorStatus, number> = { malformedRequest: 1, internalError: 2, tryLater: 3, unauthorized: 6 };

/** An unsigned OCSPResponse carrying only an error status. */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  return seq(Buffer.from([0x0a, 0x01, ERROR_CODES[status]]));
}
