// The pkcsPKIEnvelope of SCEP (RFC 8894 §3.2.2): CMS EnvelopedData with one
// KeyTransRecipientInfo (RSA PKCS#1 v1.5 key transport) around DES, 3DES or AES-CBC content.
// pkijs gives the structures, but its engine encrypts keys with WebCrypto, which has neither
// RSAES-PKCS1-v1_5 nor DES; Node refuses PKCS#1 v1.5 *private* decryption since
// CVE-2023-46809 and its OpenSSL 3 has single DES only in the legacy provider. So the key
// transport is done here by hand (raw RSA from Node, padding checked below) and single DES,
// which SCEP clients such as micromdm's scepclient still send, comes from node-forge.
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import desModule from 'node-forge/lib/des';
import forgeUtil from 'node-forge/lib/util';
import { cms, ownBytes } from './engine';
import { CmsOid, ScepFailure } from './oids';

interface ContentCipher {
  oid: string;
  node: string | null;
  keyLength: number;
  ivLength: number;
}

/** Content-encryption algorithms a SCEP client may use, by OID. */
const CIPHERS: ContentCipher[] = [
  { oid: '1.3.14.3.2.7', node: null, keyLength: 8, ivLength: 8 }, // desCBC (node-forge)
  { oid: '1.2.840.113549.3.7', node: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  { oid: '2.16.840.1.101.3.4.1.2', node: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  { oid: '2.16.840.1.101.3.4.1.22', node: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  { oid: '2.16.840.1.101.3.4.1.42', node: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
];
const DES_EDE3_CBC = '1.2.840.113549.3.7';

export const SCEP_AES_128_CBC = '2.16.840.1.101.3.4.1.2';

/** The algorithm a reply is encrypted with: the request's own, except single DES, which is answered with 3DES. */
export function replyCipherOid(requestOid: string): string {
  return requestOid === '1.3.14.3.2.7' || !CIPHERS.some((c) => c.oid === requestOid) ? DES_EDE3_CBC : requestOid;
}

function cipherOf(oid: string): ContentCipher {
  const found = CIPHERS.find((c) => c.oid === oid);
  if (!found) throw new ScepFailure('badAlg', `content encryption ${oid} is not supported`);
  return found;
}

/**
 * RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2) of the content key. Raw RSA comes from
 * Node; the padding check never throws: a malformed block yields random bytes of the
 * expected length ("implicit rejection"), so the content decryption fails like any other
 * wrong key and a padding oracle learns nothing more than from a bad message.
 */
function unwrapContentKey(encryptedKey: Uint8Array, raKey: KeyObject, keyLength: number): Buffer {
  const fallback = randomBytes(keyLength);
  let block: Buffer;
  try {
    block = privateDecrypt({ key: raKey, padding: constants.RSA_NO_PADDING }, encryptedKey);
  } catch {
    return fallback;
  }
  let separator = 0;
  for (let i = 2; i < block.length; i++) {
    if (separator === 0 && block[i] === 0) separator = i;
  }
  const wellFormed = block[0] === 0 && block[1] === 2 && separator >= 10 && block.length - separator - 1 === keyLength;
  return wellFormed ? block.subarray(separator + 1) : fallback;
}

function decryptContent(cipher: ContentCipher, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  if (cipher.node) {
    try {
      const decipher = createDecipheriv(cipher.node, key, iv);
      return Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new ScepFailure('badMessageCheck', 'the pkcsPKIEnvelope does not decrypt with the RA key');
    }
  }
  const des = desModule.startDecrypting(key.toString('binary'), iv.toString('binary'));
  des.update(forgeUtil.createBuffer(data.toString('binary')));
  if (!des.finish()) throw new ScepFailure('badMessageCheck', 'the pkcsPKIEnvelope does not decrypt with the RA key');
  return Buffer.from(des.output.getBytes(), 'binary');
}

/**
 * The bytes of an OCTET STRING as pkijs hands it over: primitive, constructed (the BER
 * chunks some clients send, concatenated) or re-tagged as a bare block ([0] IMPLICIT).
 */
export function octetBytes(value: unknown): Buffer {
  const node = value as {
    idBlock?: { isConstructed?: boolean };
    valueBlock?: { isConstructed?: boolean; value?: unknown[]; valueHexView?: Uint8Array };
  };
  const block = node?.valueBlock;
  if (!block) return Buffer.alloc(0);
  if ((node.idBlock?.isConstructed || block.isConstructed) && Array.isArray(block.value)) {
    return Buffer.concat(block.value.map((part) => octetBytes(part)));
  }
  return Buffer.from(block.valueHexView ?? new Uint8Array(0));
}

export interface OpenedEnvelope {
  content: Buffer;
  /** The content-encryption algorithm the sender chose. */
  cipherOid: string;
}

/** Decrypts a ContentInfo(EnvelopedData) addressed to the RA. Throws ScepFailure. */
export function openEnvelope(der: Uint8Array, raKey: KeyObject): OpenedEnvelope {
  const pkijs = cms();
  let enveloped: InstanceType<typeof pkijs.EnvelopedData>;
  try {
    const info = pkijs.ContentInfo.fromBER(ownBytes(der));
    if (info.contentType !== CmsOid.envelopedData) throw new Error(`content type ${info.contentType}`);
    enveloped = new pkijs.EnvelopedData({ schema: info.content });
  } catch (err) {
    throw new ScepFailure('badMessageCheck', `the pkcsPKIEnvelope is not CMS EnvelopedData (${(err as Error).message})`);
  }
  const recipient = enveloped.recipientInfos.find((r) => r.variant === 1)?.value as
    InstanceType<typeof pkijs.KeyTransRecipientInfo> | undefined;
  if (!recipient) throw new ScepFailure('badMessageCheck', 'the pkcsPKIEnvelope has no key-transport recipient');
  if (recipient.keyEncryptionAlgorithm.algorithmId !== CmsOid.rsaEncryption) {
    throw new ScepFailure('badAlg', `key transport ${recipient.keyEncryptionAlgorithm.algorithmId} is not supported (rsaEncryption only)`);
  }
  const info = enveloped.encryptedContentInfo;
  const cipher = cipherOf(info.contentEncryptionAlgorithm.algorithmId);
  const params = info.contentEncryptionAlgorithm.algorithmParams as unknown;
  const iv = params instanceof asn1js.OctetString ? Buffer.from(params.valueBlock.valueHexView) : Buffer.alloc(0);
  if (iv.length !== cipher.ivLength) throw new ScepFailure('badMessageCheck', 'the content-encryption IV has the wrong length');
  const encrypted = octetBytes(info.encryptedContent);
  const key = unwrapContentKey(recipient.encryptedKey.valueBlock.valueHexView, raKey, cipher.keyLength);
  return { content: decryptContent(cipher, key, iv, encrypted), cipherOid: cipher.oid };
}

/** ContentInfo(EnvelopedData) of `content` for the holder of `recipientCertDer` (an RSA certificate). */
export function sealEnvelope(content: Uint8Array, recipientCertDer: Uint8Array, cipherOid: string): Buffer {
  const pkijs = cms();
  const cipher = cipherOf(cipherOid);
  if (!cipher.node) throw new ScepFailure('badAlg', 'replies are never encrypted with single DES');
  const recipient = pkijs.Certificate.fromBER(ownBytes(recipientCertDer));
  const publicKey = createPublicKey({ key: Buffer.from(recipient.subjectPublicKeyInfo.toSchema().toBER()), format: 'der', type: 'spki' });
  if (publicKey.asymmetricKeyType !== 'rsa') throw new ScepFailure('badAlg', 'the requester certificate must hold an RSA key');
  const key = randomBytes(cipher.keyLength);
  const iv = randomBytes(cipher.ivLength);
  const encipher = createCipheriv(cipher.node, key, iv);
  const encrypted = Buffer.concat([encipher.update(content), encipher.final()]);
  const encryptedKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, key);
  const enveloped = new pkijs.EnvelopedData({
    version: 0,
    recipientInfos: [
      new pkijs.RecipientInfo({
        variant: 1,
        value: new pkijs.KeyTransRecipientInfo({
          version: 0,
          rid: new pkijs.IssuerAndSerialNumber({ issuer: recipient.issuer, serialNumber: recipient.serialNumber }),
          keyEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: CmsOid.rsaEncryption, algorithmParams: new asn1js.Null() }),
          encryptedKey: new asn1js.OctetString({ valueHex: encryptedKey }),
        }),
      }),
    ],
    encryptedContentInfo: new pkijs.EncryptedContentInfo({
      contentType: CmsOid.data,
      contentEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: cipher.oid,
        algorithmParams: new asn1js.OctetString({ valueHex: iv }),
      }),
      encryptedContent: new asn1js.OctetString({ valueHex: encrypted }),
    }),
  });
  const info = new pkijs.ContentInfo({ contentType: CmsOid.envelopedData, content: enveloped.toSchema() });
  return Buffer.from(info.toSchema().toBER());
}
