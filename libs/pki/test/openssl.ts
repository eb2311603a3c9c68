// Test-only helpers that shell out to the `openssl` CLI for interop checks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OpensslResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `openssl <args>` (optionally feeding stdin); never throws on a non-zero exit. */
export function openssl(args: string[], input?: string | Buffer, cwd?: string): OpensslResult {
  const r = spawnSync('openssl', args, { input, cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like openssl() but throws with stderr when the command fails. */
export function opensslOk(args: string[], input?: string | Buffer, cwd?: string): string {
  const r = openssl(args, input, cwd);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export function certText(pem: string): string {
  return opensslOk(['x509', '-noout', '-text'], pem);
}

/** A scratch directory; call cleanup() in afterAll. */
export function scratchDir(): { dir: string; write: (name: string, content: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-pki-'));
  return {
    dir,
    write: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `openssl verify -CAfile root -untrusted inter leaf`, returning the raw result. */
export function verifyChain(
  dir: ReturnType<typeof scratchDir>,
  prefix: string,
  pems: { root: string; inter?: string; leaf: string },
  extra: string[] = [],
): OpensslResult {
  const root = dir.write(`${prefix}-root.pem`, pems.root);
  const leaf = dir.write(`${prefix}-leaf.pem`, pems.leaf);
  const args = ['verify', ...extra, '-CAfile', root];
  if (pems.inter) args.push('-untrusted', dir.write(`${prefix}-inter.pem`, pems.inter));
  return openssl([...args, leaf]);
}
