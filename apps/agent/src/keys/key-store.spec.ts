import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, exportPrivateKeyPem } from '@certctl/pki';
import { KeyStore, certificateSpkiHash } from './key-store';
import { keyAlgorithmForJob } from './csr-job';

function selfSigned(dir: string, keyPem: string, name: string): string {
  writeFileSync(join(dir, `${name}.key`), keyPem);
  return execFileSync('openssl', ['req', '-x509', '-new', '-key', join(dir, `${name}.key`), '-subj', `/CN=${name}`, '-days', '1'], {
    encoding: 'utf8',
  });
}

describe('agent key store', () => {
  it('stores keys 0600 under the SHA-256 of their public key and finds each by its certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-keys-'));
    const store = new KeyStore(join(dir, 'keys'));
    const first = await exportPrivateKeyPem((await generateKeyPair('ECDSA-P256')).privateKey);
    const second = await exportPrivateKeyPem((await generateKeyPair('ECDSA-P384')).privateKey);
    const firstHash = await store.save(first);
    await store.save(second);

    const firstCert = selfSigned(dir, first, 'one');
    expect(certificateSpkiHash(firstCert)).toBe(firstHash);
    expect(statSync(store.pathFor(firstHash)).mode & 0o777).toBe(0o600);
    expect(readFileSync(store.pathFor(firstHash), 'utf8')).toBe(first);
    await expect(store.keyForCertificate(firstCert)).resolves.toBe(first);
    await expect(store.keyForCertificate(selfSigned(dir, second, 'two'))).resolves.toBe(second);

    const stranger = await exportPrivateKeyPem((await generateKeyPair('ECDSA-P256')).privateKey);
    await expect(store.keyForCertificate(selfSigned(dir, stranger, 'three'))).resolves.toBeUndefined();
  });

  it('generates ECDSA P-256 by default, else the first allowed algorithm at its minimum size', () => {
    expect(keyAlgorithmForJob([])).toBe('ECDSA-P256');
    expect(keyAlgorithmForJob([{ algorithm: 'ECDSA', min_size: 384 }])).toBe('ECDSA-P384');
    expect(
      keyAlgorithmForJob([
        { algorithm: 'RSA', min_size: 3000 },
        { algorithm: 'ECDSA', min_size: 256 },
      ]),
    ).toBe('RSA-3072');
    expect(() => keyAlgorithmForJob([{ algorithm: 'RSA', min_size: 8192 }])).toThrow(/RSA >= 8192/);
  });
});
