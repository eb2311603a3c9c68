// Test-only: CAs made with the openssl CLI (an "enterprise" PKI to import), and what
// `openssl x509 -text` prints for each key algorithm.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL_EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/** CA extensions for a subordinate CA, as an openssl extfile section body. */
export const OPENSSL_SUB_CA_EXT =
  'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid';

/**
 * Makes `<name>.key` and `<name>.pem` in `dir`: self-signed when `issuer` is null, else
 * signed by `<issuer>.pem`/`<issuer>.key`, with `extensions` (openssl extfile syntax).
 */
export function opensslCa(
  dir: string,
  name: string,
  issuer: string | null,
  extensions: string,
  o: { key?: string[]; subject?: string; days?: number } = {},
): void {
  const cnf = join(dir, `${name}.cnf`);
  writeFileSync(cnf, `[v3]\n${extensions}\n`);
  const key = o.key ?? OPENSSL_EC_P256;
  const subj = o.subject ?? `/CN=${name}`;
  const days = String(o.days ?? 30);
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!issuer) {
    run([
      'req',
      '-x509',
      ...key,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      days,
      '-subj',
      subj,
      '-config',
      cnf,
      '-extensions',
      'v3',
      '-batch',
    ]);
    return;
  }
  run(['req', '-new', ...key, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj, '-batch']);
  run([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-CAcreateserial',
    '-days',
    days,
    '-extfile',
    cnf,
    '-extensions',
    'v3',
    '-out',
    `${name}.pem`,
  ]);
}

/** What `openssl x509 -text` shows for a public key of each algorithm. */
export const OPENSSL_KEY_TEXT: Record<'ECDSA-P256' | 'ECDSA-P384' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'Ed25519', RegExp> = {
  'ECDSA-P256': /Public-Key: \(256 bit\)[\s\S]*NIST CURVE: P-256/,
  'ECDSA-P384': /Public-Key: \(384 bit\)[\s\S]*NIST CURVE: P-384/,
  'RSA-2048': /Public-Key: \(2048 bit\)/,
  'RSA-3072': /Public-Key: \(3072 bit\)/,
  'RSA-4096': /Public-Key: \(4096 bit\)/,
  Ed25519: /ED25519 Public-Key/,
};
