import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, createTestDatabase } from '@certctl/testing';

describe('seed', () => {
  let databaseUrl: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), 'tools/seed'], { stdio: ['ignore', 'ignore', 'inherit'] });
    databaseUrl = await createTestDatabase('certctl_seed_it', process.env.DATABASE_URL);
  });

  it('ok/writes a generated admin key under CERTCTL_DATA_DIR (mode 0600), not under the working directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'certctl-seed-cwd-'));
    const data = join(mkdtempSync(join(tmpdir(), 'certctl-seed-data-')), 'data');
    const out = spawnSync(process.execPath, [join(ROOT, 'dist', 'tools', 'seed.js')], {
      cwd,
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, CERTCTL_DATA_DIR: data },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const file = join(data, 'admin-api-key');
    expect(out.stdout).toContain(`written to ${file}`);
    expect(readFileSync(file, 'utf8')).toMatch(/^cck_[A-Za-z0-9_-]{43}\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(join(cwd, '.local'))).toBe(false);
  });
});
