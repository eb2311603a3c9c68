import { type KeyAlgorithm, createCsr, exportPrivateKeyPem, generateKeyPair } from '@certctl/pki';
import type { CsrJob, GatewayClient } from '../client/gateway-client';
import type { KeyStore } from './key-store';

const BY_PREFERENCE: { algorithm: string; size: number; key: KeyAlgorithm }[] = [
  { algorithm: 'ECDSA', size: 256, key: 'ECDSA-P256' },
  { algorithm: 'ECDSA', size: 384, key: 'ECDSA-P384' },
  { algorithm: 'RSA', size: 2048, key: 'RSA-2048' },
  { algorithm: 'RSA', size: 3072, key: 'RSA-3072' },
  { algorithm: 'RSA', size: 4096, key: 'RSA-4096' },
];

/**
 * The key to generate for a job: ECDSA P-256 when the profile says nothing, else the smallest
 * key of the profile's first algorithm that meets its minimum size.
 */
export function keyAlgorithmForJob(rules: CsrJob['allowed_key_algorithms']): KeyAlgorithm {
  const first = rules[0];
  if (!first) return 'ECDSA-P256';
  const fit = BY_PREFERENCE.find((entry) => entry.algorithm === first.algorithm.toUpperCase() && entry.size >= (first.min_size ?? 0));
  if (!fit) throw new Error(`no key this agent can generate satisfies ${first.algorithm} >= ${first.min_size} bits`);
  return fit.key;
}

/**
 * Generates the job's key on this host, stores it (0600, by its public key), and sends only
 * the CSR (common name and SANs exactly as the job names them).
 */
export async function answerCsrJob(job: CsrJob, keys: KeyStore, client: GatewayClient): Promise<string> {
  const pair = await generateKeyPair(keyAlgorithmForJob(job.allowed_key_algorithms));
  const hash = await keys.save(await exportPrivateKeyPem(pair.privateKey));
  const csrPem = await createCsr({ keys: pair, commonName: job.common_name, sans: job.sans });
  await client.submitCsr(job.id, csrPem);
  return hash;
}
