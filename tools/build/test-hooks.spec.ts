// The crash hooks of the kill-mid-job and outbox tests, and the route that moves a service's clock
// (libs/platform/src/test-hooks.ts), are compiled out of production bundles: built the way
// `npm start` and the container image build, the bundles do not contain them; built the way the
// e2e global setup builds, they do.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '@certctl/testing';

const run = promisify(execFile);
const HOOK_VARIABLE = 'CERTCTL_TEST_CRASH_AFTER_SIGN';
const OUTBOX_HOOK_VARIABLE = 'CERTCTL_TEST_CRASH_BEFORE_OUTBOX_PUBLISH';
const CLOCK_ROUTE = '/test/clock';
const CLOCK_MOVED = 'test hook: clock moved';

async function bundle(app: string, testHooks: boolean): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'certctl-build-'));
  try {
    const env = { ...process.env, CERTCTL_BUILD_OUT_DIR: out, CERTCTL_BUILD_TEST_HOOKS: testHooks ? '1' : '' };
    await run(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), `apps/${app}`], { env, cwd: ROOT });
    return readFileSync(join(out, 'apps', app, 'main.js'), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('test hooks in the service bundles', () => {
  it('ok/a production build of issuance has no crash hook; a test build has it', async () => {
    const production = await bundle('issuance', false);
    expect(production).toContain('crashAfterSignForTest'); // the stand-in is still called
    expect(production).not.toContain(HOOK_VARIABLE);
    expect(production).not.toContain("'SIGKILL'");
    expect(production).not.toContain(CLOCK_ROUTE);
    const test = await bundle('issuance', true);
    expect(test).toContain(HOOK_VARIABLE);
    expect(test).toContain(CLOCK_ROUTE);
  }, 120000);

  it('ok/a production build of revocation has no outbox crash hook (the relay calls the stand-in); a test build has it', async () => {
    const production = await bundle('revocation', false);
    expect(production).toContain('crashBeforeOutboxPublishForTest');
    expect(production).not.toContain(OUTBOX_HOOK_VARIABLE);
    expect(production).not.toContain("'SIGKILL'");
    expect(await bundle('revocation', true)).toContain(OUTBOX_HOOK_VARIABLE);
  }, 120000);

  it('ok/a production build of the gateway has no route that moves the clock (HTTP or metrics port); a test build has it', async () => {
    const production = await bundle('gateway', false);
    expect(production).toContain('serveTestClock'); // the metrics listener calls the stand-in
    expect(production).not.toContain(CLOCK_ROUTE);
    expect(production).not.toContain(CLOCK_MOVED);
    const test = await bundle('gateway', true);
    expect(test).toContain(CLOCK_ROUTE);
    expect(test).toContain(CLOCK_MOVED);
  }, 120000);
});
