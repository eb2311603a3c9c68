import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiscoveryReport } from '../client/gateway-client';
import { certificatesIn } from './parse';

export const MAX_FILE_BYTES = 1024 * 1024;
/** The server's bounds on one report entry (discoveryReportBodySchema): over them, the whole report would be refused. */
export const MAX_CERTIFICATE_PEM_CHARS = 65536;
export const MAX_ERROR_CHARS = 4000;

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'symlink loop';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error).message;
}

/**
 * Walks the directories (following symlinks, each real directory once: a link back to an
 * ancestor is reported as a symlink loop) and collects every certificate of every file up to
 * 1 MiB. Unreadable files and loops are reported in `errors`; nothing here is fatal.
 */
export async function scanDirectories(directories: string[], now = new Date()): Promise<DiscoveryReport> {
  const report: DiscoveryReport = { scanned_at: now.toISOString(), directories, certificates: [], errors: [] };
  const seen = new Set<string>();

  const noteError = (path: string, error: string) => report.errors.push({ path, error: error.slice(0, MAX_ERROR_CHARS) });

  /** The value, or undefined with the failure recorded against `path`. */
  async function attempt<T>(path: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      noteError(path, reason(err));
      return undefined;
    }
  }

  async function visitDirectory(path: string, ancestors: Set<string>): Promise<void> {
    const real = await attempt(path, () => realpath(path));
    if (real === undefined) return;
    if (ancestors.has(real)) {
      noteError(path, `symlink loop (back to ${real})`);
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    const names = await attempt(path, async () => (await readdir(path)).sort());
    if (!names) return;
    const inside = new Set([...ancestors, real]);
    for (const name of names) await visit(join(path, name), inside);
  }

  async function visitFile(path: string, size: number): Promise<void> {
    if (size > MAX_FILE_BYTES || size === 0) return;
    const bytes = await attempt(path, () => readFile(path));
    if (!bytes) return;
    for (const found of certificatesIn(bytes)) {
      if (found.certificate_pem.length > MAX_CERTIFICATE_PEM_CHARS)
        noteError(path, `certificate larger than ${MAX_CERTIFICATE_PEM_CHARS} characters of PEM; not reported`);
      else report.certificates.push({ path, ...found });
    }
  }

  async function visit(path: string, ancestors: Set<string>): Promise<void> {
    const info = await attempt(path, async () => {
      const link = await lstat(path);
      return link.isSymbolicLink() ? stat(path) : link;
    });
    if (info?.isDirectory()) await visitDirectory(path, ancestors);
    else if (info?.isFile()) await visitFile(path, info.size);
  }

  for (const dir of directories) await visit(dir, new Set());
  return report;
}
