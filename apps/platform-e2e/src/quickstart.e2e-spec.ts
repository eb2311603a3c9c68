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
import { Client } from 'pg';
import { type ShellBlock, blockScript, shellBlocks } from './doc-blocks';
import { gatewayUrl, readState } from './e2e-env';

const PAGE = join(ROOT, 'docs', 'quickstart.md');
const POLICY = 'rp-quickstart'; // the renewal policy the page's step 5 creates

async function sql(text: string, values: unknown[]): Promise<void> {
  const db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
  await db.query(text, values).finally(() => db.end());
}

/**
 * Steps run before a named block. `renewal-wait`: the page's policy renews when 80 % of a one-day
 * lifetime is left, about 4.8 h after issuance — the earliest the API allows (it refuses a
 * fraction over 0.8 and a profile under one day). So that the reader's wait loop sees the
 * scheduler's renewal here within a minute, the policy's fraction is set to 0.99907 in the
 * database (as notifications.e2e-spec.ts does): due ~20 s after issuance. Everything else —
 * the scheduler's scan, the job, the new version — is the real stack's.
 */
const HOOKS: Record<string, () => Promise<void>> = {
  'renewal-wait': () => sql('UPDATE renewal_policies SET renew_before_fraction = 0.99907 WHERE id = $1', [POLICY]),
};

/** Each block's own time bound; the renewal wait ends within about a minute with the step above. */
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
    // block failed before that, do it here so later suites see neither.
    const hookPid = join(dir, 'hook.pid');
    if (existsSync(hookPid)) {
      const pid = Number(readFileSync(hookPid, 'utf8').trim());
      if (pid > 0 && processAlive(pid)) process.kill(pid, 'SIGTERM');
    }
    await sql('UPDATE renewal_policies SET auto_renew = false WHERE id = $1', [POLICY]).catch(() => undefined);
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
    const versions = JSON.parse(readFileSync(join(dir, 'versions.json'), 'utf8')) as { data: { cause: { requested_by: string } | null }[] };
    expect(versions.data[0].cause?.requested_by).toBe('scheduler');
  }, 600000);
});
