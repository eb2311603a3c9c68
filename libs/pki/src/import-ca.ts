// Importing an existing CA (typically a sub-CA under an enterprise root): the key must
// match the certificate, the certificate must be a usable CA, and the chain must validate
// up to a self-signed root.
import { X509Certificate as NodeCertificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { PkiError } from './errors';
import { exportPrivateKeyPem, importPrivateKeyPem, type KeyAlgorithm } from './keys';
import { readNameConstraints } from './name-constraints';
import { derToPem, pemBlocks } from './pem';
import { x509 } from './provider';
import type { CaCertificate } from './issuer';

export interface CaImportRequest {
  certificatePem: string;
  /** PKCS#8, SEC1 or PKCS#1 PEM, optionally encrypted (then `passphrase` is required). */
  privateKeyPem: string;
  passphrase?: string;
  /** Intermediates and the root, PEM, any order; may be omitted only for a self-signed CA. */
  chainPem?: string;
  now?: Date;
}

/** A validated CA, ready to store: its key as unencrypted PKCS#8 PEM (encrypt it before storing). */
export interface ImportedCa extends CaCertificate {
  privateKeyPem: string;
  keyAlgorithm: KeyAlgorithm;
  /** The CAs between the imported one and the root, nearest first (empty when directly under the root). */
  intermediatesPem: string[];
  /** The self-signed root the chain ends at (the imported certificate itself when it is a root). */
  rootPem: string;
  subject: string;
  notAfter: Date;
}

/** Which input a problem is about: maps onto the request fields. */
export type ImportField = 'certificate_pem' | 'private_key_pem' | 'chain_pem';

/** PkiError('invalid_import') with the field it is about. */
export class CaImportError extends PkiError {
  constructor(
    readonly field: ImportField,
    message: string,
  ) {
    super('invalid_import', message);
  }
}

interface Parsed {
  node: NodeCertificate;
  cert: x509.X509Certificate;
  pem: string;
}

function parseAll(text: string, field: ImportField): Parsed[] {
  let blocks;
  try {
    blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
  } catch (err) {
    throw new CaImportError(field, (err as Error).message);
  }
  return blocks.map((b, i) => {
    try {
      return { node: new NodeCertificate(b.der), cert: new x509.X509Certificate(b.der), pem: derToPem(b.der, 'CERTIFICATE') };
    } catch (err) {
      throw new CaImportError(field, `certificate ${i + 1} cannot be parsed: ${(err as Error).message}`);
    }
  });
}

function selfSigned(p: Parsed): boolean {
  return p.node.checkIssued(p.node) && p.node.verify(p.node.publicKey);
}

/** CA flag, keyCertSign, validity and name-constraint forms of one CA in the path. */
function checkCa(p: Parsed, field: ImportField, what: string, now: Date, caBelow: number): void {
  const bc = p.cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) throw new CaImportError(field, `${what} "${p.cert.subject}" is not a CA (basicConstraints cA is not true)`);
  const ku = p.cert.getExtension(x509.KeyUsagesExtension);
  if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) {
    throw new CaImportError(field, `${what} "${p.cert.subject}" may not sign certificates (keyUsage lacks keyCertSign)`);
  }
  if (p.cert.notBefore > now)
    throw new CaImportError(field, `${what} "${p.cert.subject}" is not valid before ${p.cert.notBefore.toISOString()}`);
  if (p.cert.notAfter <= now) throw new CaImportError(field, `${what} "${p.cert.subject}" expired on ${p.cert.notAfter.toISOString()}`);
  if (bc.pathLength !== undefined && caBelow > bc.pathLength) {
    throw new CaImportError(
      field,
      `${what} "${p.cert.subject}" has pathLength ${bc.pathLength} but ${caBelow} CA certificate(s) follow it`,
    );
  }
  let unsupported: string[] = [];
  try {
    unsupported = readNameConstraints(p.cert)?.unsupported ?? [];
  } catch (err) {
    throw new CaImportError(field, (err as Error).message);
  }
  if (unsupported.length) {
    throw new CaImportError(
      field,
      `${what} "${p.cert.subject}" has name constraints of forms that cannot be enforced (${unsupported.join(', ')})`,
    );
  }
}

function loadKey(pem: string, passphrase: string | undefined): KeyObject {
  if (typeof pem !== 'string' || !pem.includes('PRIVATE KEY-----'))
    throw new CaImportError('private_key_pem', 'expected a PEM private key');
  const encrypted = pem.includes('ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
  if (encrypted && !passphrase) throw new CaImportError('private_key_pem', 'the private key is encrypted: give its passphrase');
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(encrypted ? { passphrase } : {}) });
  } catch (err) {
    const detail = encrypted
      ? 'cannot decrypt the private key (wrong passphrase?)'
      : `cannot parse the private key: ${(err as Error).message}`;
    throw new CaImportError('private_key_pem', detail);
  }
}

/**
 * Validates a CA to import. Checks, in order: the certificate parses and is a CA
 * (cA=true, keyCertSign) valid now; the key parses (decrypting with `passphrase`), is a
 * supported algorithm and matches the certificate; the chain leads from the certificate
 * to a self-signed root, every link's signature verifying and every CA in it valid now,
 * flagged cA, allowed keyCertSign and within its pathLength. Throws CaImportError naming
 * the field and the problem.
 */
export async function validateCaImport(r: CaImportRequest): Promise<ImportedCa> {
  const now = r.now ?? new Date();
  const [leaf, ...extra] = parseAll(r.certificatePem, 'certificate_pem');
  if (!leaf) throw new CaImportError('certificate_pem', 'no CERTIFICATE block found');
  if (extra.length)
    throw new CaImportError('certificate_pem', 'give exactly one certificate here; put intermediates and the root in chain_pem');
  checkCa(leaf, 'certificate_pem', 'the certificate', now, 0);

  const keyObject = loadKey(r.privateKeyPem, r.passphrase);
  if (!leaf.node.checkPrivateKey(keyObject)) {
    throw new CaImportError('private_key_pem', "the private key does not match the certificate's public key");
  }
  let keys;
  try {
    keys = await importPrivateKeyPem(keyObject.export({ type: 'pkcs8', format: 'pem' }) as string);
  } catch (err) {
    throw new CaImportError('private_key_pem', (err as Error).message);
  }

  const pool = r.chainPem?.trim() ? parseAll(r.chainPem, 'chain_pem') : [];
  const path: Parsed[] = [leaf];
  for (let current = leaf; !selfSigned(current);) {
    if (path.length > 10) throw new CaImportError('chain_pem', 'the chain is longer than 10 certificates');
    const issuer = pool.find((c) => current.node.checkIssued(c.node) && !path.includes(c));
    if (!issuer) {
      throw new CaImportError(
        'chain_pem',
        `no certificate in chain_pem issued "${current.cert.subject}" (issuer "${current.cert.issuer}")`,
      );
    }
    if (!current.node.verify(issuer.node.publicKey)) {
      throw new CaImportError(
        'chain_pem',
        `the signature on "${current.cert.subject}" does not verify with the key of "${issuer.cert.subject}"`,
      );
    }
    checkCa(issuer, 'chain_pem', 'chain certificate', now, path.length);
    path.push(issuer);
    current = issuer;
  }
  const root = path[path.length - 1] as Parsed;
  return {
    certificatePem: leaf.pem,
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    privateKeyPem: await exportPrivateKeyPem(keys.privateKey),
    keyAlgorithm: keys.algorithm,
    intermediatesPem: path.slice(1, -1).map((p) => p.pem),
    rootPem: root.pem,
    ancestorsPem: path.slice(1).map((p) => p.pem),
    subject: leaf.cert.subject,
    notAfter: leaf.cert.notAfter,
  };
}
