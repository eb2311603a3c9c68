import { createHash } from 'node:crypto';
import { PkiError, type PkiErrorCode } from './errors';

export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every PEM block in `text`, in order. Headers such as `Proc-Type:` are rejected. */
export function pemBlocks(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new PkiError('bad_pem', 'PEM input must be a string');
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const label = m[1] as string;
    const body = (m[2] as string).replace(/\s+/g, '');
    if (body.length === 0 || body.length % 4 !== 0 || !BASE64_BODY.test(body)) {
      throw new PkiError('bad_pem', `PEM block "${label}" has an invalid base64 body`);
    }
    blocks.push({ label, der: Buffer.from(body, 'base64') });
  }
  return blocks;
}

/**
 * DER bytes of the first PEM block (any label) in `pem`.
 * Throws PkiError('bad_pem') when there is no well-formed block.
 */
export function pemToDer(pem: string): Buffer {
  const first = pemBlocks(pem)[0];
  if (!first) throw new PkiError('bad_pem', 'no PEM block found');
  return first.der;
}

/** DER of the first block carrying one of `labels`; PkiError(code) when absent or malformed. */
export function pemToDerWithLabel(pem: string, labels: readonly string[], code: PkiErrorCode): Buffer {
  let blocks: PemBlock[];
  try {
    blocks = pemBlocks(pem);
  } catch (err) {
    throw new PkiError(code, err instanceof Error ? err.message : 'invalid PEM');
  }
  const block = blocks.find((b) => labels.includes(b.label));
  if (!block) throw new PkiError(code, `expected a PEM block labelled ${labels.join(' or ')}`);
  return block.der;
}

/** PEM text with 64-column base64 lines and a trailing newline. */
export function derToPem(der: Uint8Array, label: string): string {
  if (!/^[A-Z0-9 ]+$/.test(label)) throw new PkiError('bad_pem', `invalid PEM label "${label}"`);
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Each CERTIFICATE block of a bundle, re-encoded as normalized PEM; other blocks are skipped. */
export function splitPemChain(pem: string): string[] {
  return pemBlocks(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => derToPem(b.der, 'CERTIFICATE'));
}

/** Lowercase hex SHA-256 of the certificate DER (first CERTIFICATE block when given PEM), no colons. */
export function fingerprintSha256(certPemOrDer: string | Uint8Array): string {
  let der: Uint8Array;
  if (typeof certPemOrDer === 'string') {
    der = pemToDerWithLabel(certPemOrDer, ['CERTIFICATE'], 'bad_certificate');
  } else if (certPemOrDer instanceof Uint8Array) {
    der = certPemOrDer;
  } else {
    throw new PkiError('bad_certificate', 'certificate must be a PEM string or DER bytes');
  }
  if (der.length === 0) throw new PkiError('bad_certificate', 'empty certificate');
  return createHash('sha256').update(der).digest('hex');
}

/** Copies a Uint8Array/ArrayBuffer view into a standalone ArrayBuffer (what WebCrypto/x509 expect). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
