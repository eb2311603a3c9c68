import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { certificatePemOfDer, pemCertificates, pemHoldsPrivateKey, pemPrivateKey, pkcs12Contents } from '@certctl/pki';

/** What `certs import` reads in a directory (a file named on the command line is read whatever its name). */
export const IMPORT_EXTENSIONS = ['.pem', '.crt', '.cer', '.p12', '.pfx'] as const;
const PKCS12_EXTENSIONS = new Set(['.p12', '.pfx']);

/** One file's certificate, ready for POST /api/v1/certificates/import. */
export interface ImportBundle {
  certificatePem: string;
  chainPem: string;
  /** The file also held a private key (uploaded only with --with-key: docs/cli.md). */
  hadKey: boolean;
  /** That key as PKCS#8 PEM, when it could be read (an encrypted PEM key cannot). */
  privateKeyPem?: string;
}

/** A file that gives nothing to import without being broken (a CA bundle, a key file). */
export class NothingToImport extends Error {}

/** Files named, and the matching files under the directories named (recursively, sorted), each once. */
export function importFiles(paths: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && (IMPORT_EXTENSIONS as readonly string[]).includes(extname(entry.name).toLowerCase())) found.push(path);
    }
  };
  for (const path of paths) {
    if (statSync(path).isDirectory()) walk(path);
    else found.push(path);
  }
  return [...new Set(found)];
}

/** The certificates of one file and whether it holds a private key: PKCS#12 by its name, else PEM, else one DER certificate. */
function contents(path: string, password: string): { certificates: string[]; hadKey: boolean; privateKeyPem?: string } {
  const bytes = readFileSync(path);
  if (PKCS12_EXTENSIONS.has(extname(path).toLowerCase())) {
    try {
      const p12 = pkcs12Contents(bytes, password);
      return { certificates: p12.certificates, hadKey: p12.holdsKey, privateKeyPem: p12.privateKeyPem };
    } catch (err) {
      throw new Error(`cannot open the PKCS#12 file: ${(err as Error).message}${password ? '' : ' (give --password-file)'}`);
    }
  }
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    return { certificates: pemCertificates(text), hadKey: pemHoldsPrivateKey(text), privateKeyPem: pemPrivateKey(text) };
  }
  const der = certificatePemOfDer(bytes);
  if (!der) throw new Error('neither PEM nor a DER certificate');
  return { certificates: [der], hadKey: false };
}

/**
 * The leaf and its chain in one file: the first certificate that is not a CA is the leaf (in a
 * PKCS#12 file the bags need not be in chain order), the others its chain. A file of CA
 * certificates only, or of a key only, is NothingToImport; an unreadable one an Error.
 */
export function readBundle(path: string, password = ''): ImportBundle {
  const { certificates, hadKey, privateKeyPem } = contents(path, password);
  const leaf = certificates.find((pem) => !new X509Certificate(pem).ca);
  if (!leaf) {
    throw new NothingToImport(certificates.length ? 'only CA certificates (import a CA with certctl issuers)' : 'no certificate in it');
  }
  return { certificatePem: leaf, chainPem: certificates.filter((pem) => pem !== leaf).join(''), hadKey, privateKeyPem };
}
