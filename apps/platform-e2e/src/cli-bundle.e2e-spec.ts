import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '@certctl/testing';
import { gatewayUrl } from './e2e-env';
import { api } from './http';

/**
 * The single-file certctl (dist/certctl.js, built by the normal build like the agent's bundle):
 * copied into a temporary directory outside the repository, with no node_modules anywhere
 * above it, it runs with Node alone against the e2e stack.
 */
const BUNDLE = join(ROOT, 'dist', 'certctl.js');
let dir = '';
let viewerKey = '';

function certctl(args: string[]) {
  return spawnSync(process.execPath, ['certctl.js', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', CERTCTL_SERVER_URL: gatewayUrl(), CERTCTL_API_KEY: viewerKey },
  });
}

describe('certctl as one file', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certctl-bundle-'));
    expect(existsSync(join(dir, '..', 'node_modules'))).toBe(false);
    copyFileSync(BUNDLE, join(dir, 'certctl.js'));
    const created = await api('POST', '/api/v1/api-keys', { body: { name: `cli-bundle-${Date.now().toString(36)}`, role: 'viewer' } });
    expect(created.status).toBe(201);
    viewerKey = created.body.key;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is an executable script with a shebang', () => {
    expect(readFileSync(BUNDLE, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(BUNDLE).mode & 0o111).toBe(0o111);
  });

  it('certctl version: the client and the server', () => {
    const run = certctl(['version', '--format', 'json']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toMatchObject({
      client: { name: 'certctl', version: expect.any(String) },
      server: { name: 'certctl-ts' },
    });
  });

  it("certctl status with a viewer key: the seven services' readiness and the counts", () => {
    const run = certctl(['status', '--format', 'json']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const doc = JSON.parse(run.stdout);
    expect(doc.ready).toBe(true);
    expect(doc.services.map((s: { service: string }) => s.service)).toEqual([
      'gateway',
      'inventory',
      'issuance',
      'acme',
      'revocation',
      'scheduler',
      'notifications',
    ]);
    expect(doc.summary.certificates.total).toEqual(expect.any(Number));
  });
});
