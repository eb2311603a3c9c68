import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../config/config.schema';
import type { ResolvedConfig } from '../config/load-config';
import { resolveCredentials } from './registration';
import { AgentStop } from './stop';

let server: Server;
let baseUrl = '';
const calls: { auth?: string; body: unknown }[] = [];
let answer: { status: number; body: unknown } = { status: 201, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      calls.push({ auth: req.headers.authorization, body: JSON.parse(text || 'null') });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function config(over: Record<string, unknown>): ResolvedConfig {
  const state = mkdtempSync(join(tmpdir(), 'agent-reg-'));
  const parsed = validateConfig({ server_url: baseUrl, allow_http: true, key_dir: '/k', state_dir: state, agent_name: 'web-01', ...over });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return { ...parsed.config, apiKey: parsed.config.api_key };
}

describe('agent registration', () => {
  it('exchanges a bootstrap token once, stores the credentials 0600, and reuses them on restart', async () => {
    answer = { status: 201, body: { agent: { id: 'agent-1', name: 'web-01' }, api_key: 'ck_agent_secret' } };
    const cfg = config({ bootstrap_token: 'bt_once' });
    const signal = new AbortController().signal;
    await expect(resolveCredentials(cfg, { baseUrl }, signal)).resolves.toEqual({ agentId: 'agent-1', apiKey: 'ck_agent_secret' });
    expect(calls.at(-1)).toEqual({ auth: 'Bearer bt_once', body: { name: 'web-01', hostname: expect.any(String) } });
    const stored = join(cfg.state_dir, 'credentials.json');
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(stored, 'utf8'))).toEqual({ agent_id: 'agent-1', api_key: 'ck_agent_secret' });

    const count = calls.length;
    await expect(resolveCredentials(cfg, { baseUrl }, signal)).resolves.toEqual({ agentId: 'agent-1', apiKey: 'ck_agent_secret' });
    expect(calls).toHaveLength(count); // the token is not used again
  });

  it('a refused bootstrap token stops with exit 3; no credentials at all is a configuration error (exit 2)', async () => {
    answer = { status: 401, body: { type: 'urn:certctl:error:unauthorized', detail: 'unknown or expired token' } };
    const signal = new AbortController().signal;
    await expect(resolveCredentials(config({ bootstrap_token: 'bt_used' }), { baseUrl }, signal)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('unknown or expired token'),
    });
    const none = resolveCredentials(config({}), { baseUrl }, signal);
    await expect(none).rejects.toBeInstanceOf(AgentStop);
    await expect(none).rejects.toMatchObject({ exitCode: 2 });
    await expect(resolveCredentials(config({ api_key: 'k' }), { baseUrl }, signal)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('CERTCTL_AGENT_ID'),
    });
  });
});
