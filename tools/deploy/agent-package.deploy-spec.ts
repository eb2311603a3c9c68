// The agent's packaging: the one-file bundle (runs with Node alone), deploy/agent/install.sh
// (files, modes, idempotence, a configuration that is never overwritten) and the systemd unit.
import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './deploy-tools';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the agent bundle', () => {
  let dir: string;
  beforeAll(() => {
    // A directory with no node_modules above it: only Node's own modules can be found.
    dir = mkdtempSync(join(tmpdir(), 'certctl-agent-bundle-'));
    execFileSync(process.execPath, [join(ROOT, 'tools/build/build-agent.mjs'), '--outfile', join(dir, 'certctl-agent.js')], {
      stdio: 'pipe',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one executable file with a shebang and its source map beside, and runs with Node alone', () => {
    const file = join(dir, 'certctl-agent.js');
    expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(modeOf(file)).toBe('755');
    expect(statSync(`${file}.map`).size).toBeGreaterThan(0);
    const run = spawnSync(process.execPath, ['certctl-agent.js', '--version'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version); // the version every heartbeat sends
  });

  it('requires nothing but Node built-in modules (every npm dependency is inlined)', () => {
    const text = readFileSync(join(dir, 'certctl-agent.js'), 'utf8');
    // (The AWS SDK's error text quotes `[require("@aws-sdk/signature-v4-crt");]` as advice: not a call.)
    const required = [...text.matchAll(/(?<!\[)\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2]);
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    expect(required.filter((name) => !builtins.has(name))).toEqual([]);
  });
});

describe('deploy/agent/install.sh', () => {
  let prefix: string;
  let bundle: string;
  const install = () =>
    execFileSync('bash', [join(ROOT, 'deploy/agent/install.sh'), '--prefix', prefix, '--bundle', bundle], { encoding: 'utf8' });

  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), 'certctl-agent-install-'));
    prefix = join(work, 'root');
    bundle = join(work, 'certctl-agent.js');
    execFileSync(process.execPath, [join(ROOT, 'tools/build/build-agent.mjs'), '--outfile', bundle], { stdio: 'pipe' });
  });
  afterAll(() => rmSync(join(prefix, '..'), { recursive: true, force: true }));

  it('installs the files with their modes; a second run changes nothing and says so; agent.env is never overwritten', () => {
    expect(install()).toMatch(/done: \d+ change/);
    const modes = {
      'etc/certctl-agent': '750',
      'etc/certctl-agent/agent.env': '640',
      'var/lib/certctl-agent': '700',
      'var/lib/certctl-agent/keys': '700',
      'usr/local/lib/certctl-agent/certctl-agent.js': '755',
      'usr/local/lib/certctl-agent/certctl-agent.js.map': '644',
      'usr/local/bin/certctl-agent': '755',
      'etc/systemd/system/certctl-agent.service': '644',
    };
    for (const [path, mode] of Object.entries(modes)) expect([path, modeOf(join(prefix, path))]).toEqual([path, mode]);
    expect(readFileSync(join(prefix, 'usr/local/lib/certctl-agent/certctl-agent.js'))).toEqual(readFileSync(bundle));
    expect(readFileSync(join(prefix, 'usr/local/bin/certctl-agent'), 'utf8')).toContain(
      'exec node --enable-source-maps /usr/local/lib/certctl-agent/certctl-agent.js "$@"',
    );
    expect(readFileSync(join(prefix, 'etc/certctl-agent/agent.env'), 'utf8')).toContain('CERTCTL_SERVER_URL=');

    const env = join(prefix, 'etc/certctl-agent/agent.env');
    writeFileSync(env, 'CERTCTL_SERVER_URL=https://mine.example\n');
    const before = Object.keys(modes).map((path) => statSync(join(prefix, path)).mtimeMs);
    expect(install().trim()).toBe('[install] already installed: nothing changed');
    expect(Object.keys(modes).map((path) => statSync(join(prefix, path)).mtimeMs)).toEqual(before);
    expect(readFileSync(env, 'utf8')).toBe('CERTCTL_SERVER_URL=https://mine.example\n');
  });

  it('puts back a loosened mode (and says so)', () => {
    install();
    execFileSync('chmod', ['0755', join(prefix, 'var/lib/certctl-agent/keys')]);
    expect(install()).toContain('mode 0700 on');
    expect(modeOf(join(prefix, 'var/lib/certctl-agent/keys'))).toBe('700');
  });

  it('the systemd unit passes systemd-analyze verify', () => {
    const tool = spawnSync('systemd-analyze', ['--version']);
    if (tool.error || tool.status !== 0) {
      console.warn('systemd-analyze is not installed here: the unit was not verified (apt-get install systemd)');
      return;
    }
    install();
    // The unit as installed, its ExecStart pointed at the launcher under the prefix (verify checks it exists).
    const unitDir = mkdtempSync(join(tmpdir(), 'certctl-agent-unit-'));
    try {
      const unit = readFileSync(join(ROOT, 'deploy/agent/certctl-agent.service'), 'utf8').replace(
        /^ExecStart=\/usr\/local\/bin\/certctl-agent$/m,
        `ExecStart=${join(prefix, 'usr/local/bin/certctl-agent')}`,
      );
      expect(unit).toContain(`ExecStart=${prefix}`);
      writeFileSync(join(unitDir, 'certctl-agent.service'), unit);
      const verify = spawnSync('systemd-analyze', ['verify', join(unitDir, 'certctl-agent.service')], { encoding: 'utf8' });
      expect({ status: verify.status, stderr: verify.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(unitDir, { recursive: true, force: true });
    }
  });

  it('the unit runs as certctl-agent with its environment file and hardening', () => {
    const unit = readFileSync(join(ROOT, 'deploy/agent/certctl-agent.service'), 'utf8');
    for (const line of [
      'User=certctl-agent',
      'EnvironmentFile=/etc/certctl-agent/agent.env',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/certctl-agent /var/lib/certctl-agent/keys',
      'PrivateTmp=true',
      'Restart=on-failure',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });
});
