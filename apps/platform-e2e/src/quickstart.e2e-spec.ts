/**
 * docs/quickstart.md, run as a reader would paste it: every runnable shell block of the page, in
 * order, with bash, against the e2e stack. The page's fence convention (see ./doc-blocks.ts):
 *
 *   ```sh             run by this test
 *   ```sh no-run      shown only (`npm start`; this test's stack is started by the global setup)
 *   ```sh id=<name>   run, after the step this file attaches to <name> (HOOKS below)
 *
 * The blocks get the variables the page tells the reader to set, pointed at this stack
 * (CERTCTL_URL and CERTCTL_TLS_URL from the e2e state, KEY the admin key, CA_BUNDLE the
 * gateway's CA, HTTP01_PORT the port the ACME service validates http-01 on, HOOK_PORT a free
 * port), a scratch working directory and HOME. Names resolve through the stack's test DNS
 * server (every name → 127.0.0.1), so the page's default ACME_DOMAIN works offline.
 * A failing command fails the test with the block (its step and line in the page) and its output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, processAlive } from '@certctl/testing';
import { type ShellBlock, blockScript, shellBlocks } from './doc-blocks';
import { gatewayUrl, readState } from './e2e-env';
import { api } from './http';

const PAGE = join(ROOT, 'docs', 'quickstart.md');
const POLICY = 'rp-quickstart'; // the renewal policy the page's step 5 creates

/**
 * Steps run before a named block (`sh id=<name>`). None today: step 5's renewal runs as the page
 * says, on a 10-minute profile (`max_validity_seconds`) whose policy makes it due about a minute
 * after issuance, well inside a block's time bound with the stack's 1 s renewal scan.
 */
const HOOKS: Record<string, () => Promise<void>> = {};

/** Each block's own time bound; step 5's renewal wait ends within about a minute and a half. */
const BLOCK_TIMEOUT_MS = 150000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function describeFailure(block: ShellBlock, status: number | null, signal: string | null, out: string, err: string): string {
  return [
    `docs/quickstart.md block ${block.index} (line ${block.line}, "${block.heading}") failed: ${signal ? `killed by ${signal}` : `exit ${status}`}`,
    '--- block ---',
    block.script,
    '--- stdout ---',
    out.slice(-6000),
    '--- stderr ---',
    err.slice(-6000),
  ].join('\n');
}

describe('docs/quickstart.md runs as written against the stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certctl-quickstart-'));
  const stateFile = join(dir, '.quickstart-env');

  afterAll(async () => {
    // The page stops its webhook receiver and archives its short-lived certificate itself; if a
    // block failed before that, stop the receiver and the policy's renewals here so later suites see neither.
    const hookPid = join(dir, 'hook.pid');
    if (existsSync(hookPid)) {
      const pid = Number(readFileSync(hookPid, 'utf8').trim());
      if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGTERM');
    }
    await api('PATCH', `/api/v1/renewal-policies/${POLICY}`, { body: { auto_renew: false } }).catch(() => undefined);
  });

  it('ok/every runnable block succeeds in order: local CA + openssl verify, certbot, webhook, OCSP and CRL, automatic renewal', async () => {
    const state = readState();
    const blocks = shellBlocks(readFileSync(PAGE, 'utf8'));
    const runnable = blocks.filter((b) => b.run);
    expect(runnable.length).toBeGreaterThanOrEqual(10);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      LANG: 'C.UTF-8',
      CERTCTL_URL: gatewayUrl(state),
      CERTCTL_TLS_URL: `https://localhost:${state.tls.port}`,
      CA_BUNDLE: join(state.tls.dir, 'ca.pem'),
      KEY: state.adminKey,
      HTTP01_PORT: String(state.acme.http01Port),
      HOOK_PORT: String(await freePort()),
    };
    for (const block of runnable) {
      if (block.id) {
        const hook = HOOKS[block.id];
        if (!hook) throw new Error(`docs/quickstart.md line ${block.line}: no step for id=${block.id} in quickstart.e2e-spec.ts`);
        await hook();
      }
      const t0 = Date.now();
      const r = spawnSync('bash', ['-c', blockScript(block, stateFile)], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: BLOCK_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(describeFailure(block, r.status, r.signal, r.stdout ?? '', r.stderr ?? ''));
      process.stderr.write(`[quickstart] block ${block.index} "${block.heading}" ok in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    // What the page promised, read back from the files its blocks left.
    expect(readFileSync(join(dir, 'ocsp.txt'), 'utf8')).toContain('leaf.pem: revoked');
    expect(readFileSync(join(dir, 'hook.log'), 'utf8')).toMatch(/^POST \/hook .*"event":"certificate\.revoked"/m);
    const versions = JSON.parse(readFileSync(join(dir, 'versions.json'), 'utf8')) as {
      data: { not_before: string; not_after: string; cause: { requested_by: string } | null }[];
    };
    expect(versions.data[0].cause?.requested_by).toBe('scheduler');
    // Every version of step 5's certificate lives the profile's 600 seconds (both ends count).
    for (const v of versions.data) expect(Date.parse(v.not_after) - Date.parse(v.not_before)).toBe(599_000);
  }, 600000);
});
