import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root (the folder holding nx.json), found from this file or the bundle; else the working directory. */
export const ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/**
 * The local data folder: `${CERTCTL_DATA_DIR:-<repo root>/.local}`, as tools/infra/env.sh
 * defines it (a relative CERTCTL_DATA_DIR is taken from the repository root). Logs, the
 * generated admin API key and the end-to-end state live under it.
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CERTCTL_DATA_DIR ? resolve(ROOT, env.CERTCTL_DATA_DIR) : join(ROOT, '.local');
}

/** Where the seed writes a generated admin API key: CERTCTL_ADMIN_KEY_FILE, else <data dir>/admin-api-key. */
export function adminKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.CERTCTL_ADMIN_KEY_FILE ? resolve(env.CERTCTL_ADMIN_KEY_FILE) : join(dataDir(env), 'admin-api-key');
}
