import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opensslCa } from '@certctl/testing';
import { fingerprintOf } from '../targets/tls-probe';
import { MAX_CERTIFICATE_PEM_CHARS, MAX_ERROR_CHARS, scanDirectories } from './scanner';
import { X509Certificate } from 'node:crypto';

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function certificate(dir: string, name: string): string {
  opensslCa(dir, name, null, 'basicConstraints=critical,CA:false', { days: 2 });
  return readFileSync(join(dir, `${name}.pem`), 'utf8');
}

const fp = (pem: string) => fingerprintOf(new X509Certificate(pem).raw);

describe('filesystem discovery', () => {
  it('finds exactly the certificates of PEM, DER, chain and PKCS#12 files, skips keys and garbage, reports loops', async () => {
    const work = mkdtempSync(join(tmpdir(), 'agent-scan-work-'));
    const root = mkdtempSync(join(tmpdir(), 'agent-scan-'));
    const [leaf, inter, root2, der, p12] = ['leaf', 'inter', 'root', 'der', 'p12'].map((name) => certificate(work, name));
    mkdirSync(join(root, 'nested', 'deeper'), { recursive: true });
    writeFileSync(join(root, 'leaf.pem'), leaf);
    writeFileSync(join(root, 'nested', 'chain.pem'), leaf + inter + root2);
    openssl(['x509', '-in', 'der.pem', '-outform', 'DER', '-out', join(root, 'nested', 'deeper', 'server.der')], work);
    openssl(['pkcs12', '-export', '-in', 'p12.pem', '-inkey', 'p12.key', '-passout', 'pass:', '-out', join(root, 'bundle.p12')], work);
    writeFileSync(join(root, 'server.key'), readFileSync(join(work, 'leaf.key')));
    writeFileSync(join(root, 'garbage.bin'), Buffer.from([0x30, 0x82, 0x01, 0x00, 1, 2, 3, 4, 5]));
    writeFileSync(join(root, 'notes.txt'), 'not a certificate\n');
    writeFileSync(join(root, 'huge.pem'), leaf + 'x'.repeat(1024 * 1024 + 10));
    symlinkSync(root, join(root, 'nested', 'back-to-root'));
    symlinkSync(join(root, 'self-link'), join(root, 'self-link'));

    const report = await scanDirectories([root], new Date('2026-01-02T03:04:05Z'));
    expect(report.scanned_at).toBe('2026-01-02T03:04:05.000Z');
    expect(report.directories).toEqual([root]);
    const found = report.certificates.map((entry) => ({
      path: entry.path.slice(root.length + 1),
      format: entry.format,
      fp: fp(entry.certificate_pem),
    }));
    expect(found.sort((a, b) => (a.path + a.fp).localeCompare(b.path + b.fp))).toEqual(
      [
        { path: 'bundle.p12', format: 'pkcs12', fp: fp(p12) },
        { path: 'leaf.pem', format: 'pem', fp: fp(leaf) },
        { path: 'nested/chain.pem', format: 'pem', fp: fp(leaf) },
        { path: 'nested/chain.pem', format: 'pem', fp: fp(inter) },
        { path: 'nested/chain.pem', format: 'pem', fp: fp(root2) },
        { path: 'nested/deeper/server.der', format: 'der', fp: fp(der) },
      ].sort((a, b) => (a.path + a.fp).localeCompare(b.path + b.fp)),
    );
    expect(report.errors.map((entry) => ({ path: entry.path.slice(root.length + 1), loop: /symlink loop/.test(entry.error) }))).toEqual([
      { path: 'nested/back-to-root', loop: true },
      { path: 'self-link', loop: true },
    ]);
  });

  it('a directory that does not exist is an error entry, not a failure', async () => {
    const report = await scanDirectories(['/nonexistent/certctl-scan']);
    expect(report.certificates).toEqual([]);
    expect(report.errors).toEqual([{ path: '/nonexistent/certctl-scan', error: expect.stringContaining('ENOENT') }]);
  });

  it('keeps every entry within the server’s bounds: an oversized certificate becomes an error entry, long errors are cut', async () => {
    const work = mkdtempSync(join(tmpdir(), 'agent-scan-work-'));
    const root = mkdtempSync(join(tmpdir(), 'agent-scan-'));
    const sans = Array.from({ length: 1000 }, (_, index) => `DNS:host-${index}.a-rather-long-subdomain-name.example.com`).join(',');
    opensslCa(work, 'big', null, `basicConstraints=critical,CA:false\nsubjectAltName=${sans}`);
    const big = readFileSync(join(work, 'big.pem'), 'utf8');
    expect(big.length).toBeGreaterThan(MAX_CERTIFICATE_PEM_CHARS);
    writeFileSync(join(root, 'big.pem'), big + certificate(work, 'small'));
    const longMissing = '/nonexistent/' + 'a/'.repeat(2000);

    const report = await scanDirectories([root, longMissing]);
    expect(report.certificates.map((entry) => entry.path)).toEqual([join(root, 'big.pem')]);
    expect(report.certificates[0].certificate_pem.length).toBeLessThanOrEqual(MAX_CERTIFICATE_PEM_CHARS);
    expect(report.errors).toEqual([
      { path: join(root, 'big.pem'), error: expect.stringContaining('larger than 65536 characters') },
      { path: longMissing, error: expect.stringContaining('ENOENT') },
    ]);
    expect(report.errors[1].error).toHaveLength(MAX_ERROR_CHARS);
  });
});
