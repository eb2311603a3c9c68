// What the connectors that run operator executables or receive PEM from a CA share: the
// executable and argument schemas, the environment PATH, and the check of a returned leaf.
import { X509Certificate } from 'node:crypto';
import { isAbsolute, normalize } from 'node:path';
import { exportSpki, parseCertificate } from '@certctl/pki';
import { z } from 'zod';
import { ConnectorError, type IssueRequest, type IssuedLeaf } from './connector';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An executable to run: an absolute, normalized path (run directly, never through a shell). */
export const executableSchema = z
  .string()
  .min(2)
  .max(4096)
  .refine((p) => isAbsolute(p), 'must be an absolute path')
  .refine((p) => normalize(p) === p && !p.includes('\0'), 'must be a normalized path (no ., .. or repeated slashes)');

/** One fixed argument from an issuer's config. */
export const argSchema = z
  .string()
  .max(4096)
  .refine((a) => !a.includes('\0'), 'must not contain NUL');

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The script's stdout must be the leaf (first) then any chain, as PEM; the leaf must be an
 * end-entity certificate for the CSR's public key carrying exactly the requested names.
 * Anything else is terminal: the same script would answer the same again.
 */
export async function checkOutput(
  stdout: string,
  request: Pick<IssueRequest, 'publicKey' | 'sans' | 'commonName'>,
  source = 'the script',
): Promise<IssuedLeaf> {
  const blocks = stdout.match(PEM_CERT);
  if (!blocks) throw ConnectorError.terminal(`${source} output holds no PEM certificate`);
  const [leafPem, ...chain] = blocks;
  let leaf: X509Certificate;
  let info: Awaited<ReturnType<typeof parseCertificate>>;
  try {
    info = await parseCertificate(leafPem!);
    leaf = new X509Certificate(leafPem!);
    for (const pem of chain) new X509Certificate(pem);
  } catch (err) {
    throw ConnectorError.terminal(`${source} output is not a valid certificate: ${(err as Error).message}`, err);
  }
  if (info.isCa) throw ConnectorError.terminal(`${source} returned a CA certificate, not a leaf`);
  const want = Buffer.from(await exportSpki(request.publicKey));
  const got = leaf.publicKey.export({ type: 'spki', format: 'der' });
  if (!want.equals(got)) throw ConnectorError.terminal(`${source}'s certificate is not for the CSR's public key`);
  const requested = new Set(request.sans.map((n) => n.toLowerCase()));
  const present = new Set(info.sans.map((n) => n.toLowerCase()));
  const missing = [...requested].filter((n) => !present.has(n));
  const extra = [...present].filter((n) => !requested.has(n) && n !== request.commonName.toLowerCase());
  if (missing.length) throw ConnectorError.terminal(`${source}'s certificate lacks requested names: ${missing.join(', ')}`);
  if (extra.length) throw ConnectorError.terminal(`${source}'s certificate carries names that were not requested: ${extra.join(', ')}`);
  if (!requested.size && info.commonName !== request.commonName && !present.has(request.commonName.toLowerCase())) {
    throw ConnectorError.terminal(`${source}'s certificate is not for ${request.commonName}`);
  }
  return { certificatePem: `${leafPem}\n`, chainPem: chain.length ? `${chain.join('\n')}\n` : '', serialNumber: info.serialNumber };
}

/** True when `pem` is one or more PEM certificates that all parse. */
export function isCertificateBundle(pem: string): boolean {
  const blocks = pem.match(PEM_CERT);
  if (!blocks) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}
