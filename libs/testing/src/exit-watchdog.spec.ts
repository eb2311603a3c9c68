import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describeOpenHandles, exitGraceMs } from './exit-watchdog';

describe('exit watchdog', () => {
  let dir: string;
  beforeAll(async () => {
    // The watchdog in a process of its own (it ends the process): bundled as the tiers load it.
    dir = mkdtempSync(join(tmpdir(), 'certctl-exit-watchdog-'));
    await build({
      entryPoints: [join(__dirname, 'exit-watchdog.ts')],
      outfile: join(dir, 'exit-watchdog.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `body` (JavaScript, with `armExitWatchdog` in scope) in a child process; answers its exit. */
  function run(body: string, env: NodeJS.ProcessEnv = {}) {
    const file = join(dir, `case-${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(file, `const { armExitWatchdog, traceTimers } = require(${JSON.stringify(join(dir, 'exit-watchdog.js'))});\n${body}`);
    const started = Date.now();
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20000, env: { ...process.env, ...env } });
    return { status: r.status, stderr: r.stderr, ms: Date.now() - started };
  }

  it('ok/a process with nothing left open exits at once with its own code: the watchdog keeps nothing alive', () => {
    const r = run(`armExitWatchdog('e2e', 10000);`);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.ms).toBeLessThan(5000);
  });

  it('fail/a server left listening ends the process with code 1 after the grace, naming the server and the tier', () => {
    const r = run(`
      const server = require('node:net').createServer().listen(0, '127.0.0.1', () => armExitWatchdog('targets', 300));
    `);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[targets] Jest has not exited 0.3 s after the last test and the global teardown');
    expect(r.stderr).toMatch(/- server listening on 127\.0\.0\.1:\d+/);
    expect(r.stderr).toContain('--selectProjects targets --runInBand --detectOpenHandles');
  });

  it('fail/a child process and a timer left running are named', () => {
    const r = run(`
      require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
      setTimeout(() => {}, 60000);
      armExitWatchdog('conformance', 300);
    `);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/- child process \d+ \(.*node -e setTimeout/);
    expect(r.stderr).toContain("- 1 timer(s) not cleared nor unref'd");
  });

  it('fail/with CERTCTL_TEST_EXIT_TRACE=1 a pending timer is named by where it was created', () => {
    const body = `
      traceTimers();
      setTimeout(() => {}, 1).unref(); // neither an unref'd timer
      const done = setTimeout(() => {}, 60000);
      clearTimeout(done); // nor a cleared one is reported
      function forgottenRace() { setTimeout(() => {}, 60000); }
      forgottenRace();
      armExitWatchdog('e2e', 300);
    `;
    const traced = run(body, { CERTCTL_TEST_EXIT_TRACE: '1' });
    expect(traced.status).toBe(1);
    expect(traced.stderr).toContain("- 1 timer(s) not cleared nor unref'd, created at:");
    expect(traced.stderr).toMatch(/at forgottenRace \(.*case-\w+\.js:7:/);
    const untraced = run(body);
    expect(untraced.status).toBe(1);
    expect(untraced.stderr).toContain("- 1 timer(s) not cleared nor unref'd (CERTCTL_TEST_EXIT_TRACE=1 shows where they were created)");
  });

  it('ok/describes a connected socket by both ends and leaves out what does not keep the process alive', async () => {
    const server: Server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const before = describeOpenHandles();
    expect(before).toContainEqual(`server listening on 127.0.0.1:${port}`);
    server.unref();
    expect(describeOpenHandles()).not.toContainEqual(`server listening on 127.0.0.1:${port}`);
    server.ref();
    const { connect } = await import('node:net');
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    expect(describeOpenHandles()).toContainEqual(
      expect.stringMatching(new RegExp(`^socket 127\\.0\\.0\\.1:\\d+ → 127\\.0\\.0\\.1:${port}$`)),
    );
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('ok/the grace comes from CERTCTL_TEST_EXIT_GRACE_MS, 30 s when unset or not a positive number', () => {
    expect(exitGraceMs({})).toBe(30000);
    expect(exitGraceMs({ CERTCTL_TEST_EXIT_GRACE_MS: '5000' })).toBe(5000);
    expect(exitGraceMs({ CERTCTL_TEST_EXIT_GRACE_MS: 'soon' })).toBe(30000);
    expect(exitGraceMs({ CERTCTL_TEST_EXIT_GRACE_MS: '0' })).toBe(30000);
  });
});
