// The crash hook of the kill-mid-job test is compiled out of production bundles: built the
// way `npm start` and the container image build, the issuance bundle does not contain it; built
// the way the e2e global setup builds, it does.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '@certctl/testing';

const run = promisify(execFile);
const HOOK_VARIABLE = 'CERTCTL_TEST_CRASH_AFTER_SIGN';

async function issuanceBundle(testHooks: boolean): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'certctl-build-'));
  try {
    const env = { ...process.env, CERTCTL_BUILD_OUT_DIR: out, CERTCTL_BUILD_TEST_HOOKS: testHooks ? '1' : '' };
    await run(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), 'apps/issuance'], { env, cwd: ROOT });
    return readFileSync(join(out, 'apps', 'issuance', 'main.js'), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('test hooks in the service bundles', () => {
  it('ok/a production build of issuance has no crash hook; a test build has it', async () => {
    const production = await issuanceBundle(false);
    expect(production).toContain('crashAfterSignForTest'); // the stand-in is still called
    expect(production).not.toContain(HOOK_VARIABLE);
    expect(production).not.toContain("'SIGKILL'");
    const test = await issuanceBundle(true);
    expect(test).toContain(HOOK_VARIABLE);
  }, 120000);
});
