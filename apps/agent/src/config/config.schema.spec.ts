import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, overlayEnvironment } from './config.schema';
import { loadConfig } from './load-config';

const base = { server_url: 'https://certctl.example.com', key_dir: '/var/lib/k', state_dir: '/var/lib/s' };

describe('agent configuration', () => {
  it('defaults: 30 s poll, 60 s heartbeat, no discovery, four parallel jobs', () => {
    const result = validateConfig(base);
    expect(result).toMatchObject({
      ok: true,
      config: { poll_interval: 30, heartbeat_interval: 60, discovery_dirs: [], max_parallel_jobs: 4 },
    });
  });

  it('reports each problem on one line naming the setting and its variable', () => {
    const result = validateConfig({
      server_url: 'http://certctl.example.com',
      poll_interval: 'soon',
      key_dir: 'relative/keys',
      heartbeat_interval: '0',
      colour: 'blue',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        'invalid configuration: server_url (CERTCTL_SERVER_URL): must use https (set CERTCTL_AGENT_ALLOW_HTTP=true to allow http)',
        'invalid configuration: poll_interval (CERTCTL_AGENT_POLL_INTERVAL): must be a number of seconds (e.g. 30, 30s, 5m)',
        'invalid configuration: key_dir (CERTCTL_AGENT_KEY_DIR): must be an absolute path',
        'invalid configuration: heartbeat_interval (CERTCTL_AGENT_HEARTBEAT_INTERVAL): must be at least 1 second',
        'invalid configuration: colour: unknown setting',
      ]),
    );
    for (const line of problems) expect(line).not.toContain('\n');
  });

  it('more discovery directories than one report may name (256) are refused at start', () => {
    const dirs = Array.from({ length: 257 }, (_, index) => `/srv/certs/${index}`);
    const result = validateConfig({ ...base, discovery_dirs: dirs });
    expect(result.ok ? [] : result.problems).toEqual([
      'invalid configuration: discovery_dirs (CERTCTL_AGENT_DISCOVERY_DIRS): at most 256 directories (the server takes no more in one report)',
    ]);
    expect(validateConfig({ ...base, discovery_dirs: dirs.slice(0, 256) }).ok).toBe(true);
  });

  it('http is accepted only with CERTCTL_AGENT_ALLOW_HTTP=true; a missing server URL is named', () => {
    expect(validateConfig({ ...base, server_url: 'http://127.0.0.1:8080', allow_http: 'true' }).ok).toBe(true);
    const missing = validateConfig({ key_dir: '/k' });
    expect(missing.ok ? [] : missing.problems).toEqual([
      expect.stringMatching(/^invalid configuration: server_url \(CERTCTL_SERVER_URL\): /),
    ]);
  });

  it('the environment overrides the file; discovery directories are a comma list; intervals take units', () => {
    const merged = overlayEnvironment(
      { server_url: 'https://file.example.com', poll_interval: 10 },
      {
        CERTCTL_SERVER_URL: 'https://env.example.com',
        CERTCTL_AGENT_DISCOVERY_DIRS: '/etc/ssl, /srv/tls,',
        CERTCTL_AGENT_POLL_INTERVAL: '2m',
      },
    );
    const result = validateConfig({ ...merged, key_dir: '/k' });
    expect(result).toMatchObject({
      ok: true,
      config: { server_url: 'https://env.example.com', discovery_dirs: ['/etc/ssl', '/srv/tls'], poll_interval: 120 },
    });
  });

  it('a YAML file is read; a key directory others can read is refused; a missing one is created 0700', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    const open = join(dir, 'open-keys');
    mkdirSync(open, { mode: 0o755 });
    writeFileSync(join(dir, 'agent.yaml'), `server_url: https://certctl.example.com\nkey_dir: ${open}\nstate_dir: ${dir}/state\n`);
    const refused = loadConfig(join(dir, 'agent.yaml'), {});
    expect(refused).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(
          /^invalid configuration: key_dir \(CERTCTL_AGENT_KEY_DIR\): .*open-keys is readable by its group or others \(mode 755\)/,
        ),
      ],
    });
    const created = loadConfig(join(dir, 'agent.yaml'), { CERTCTL_AGENT_KEY_DIR: join(dir, 'new-keys'), CERTCTL_API_KEY: 'k' });
    expect(created).toMatchObject({ ok: true, config: { key_dir: join(dir, 'new-keys'), apiKey: 'k' } });
    const broken = loadConfig(join(dir, 'nope.json'), {});
    expect(broken).toEqual({ ok: false, problems: [expect.stringMatching(/^invalid configuration: file .*nope\.json: ENOENT/)] });
  });
});
