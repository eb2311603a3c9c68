// A fleet of agents heartbeating: POST /api/v1/agents/{id}/heartbeat, each request with
// that agent's own key (role agent), spread over AGENTS registered agents. One heartbeat
// is one UPDATE in inventory plus its audit row in the gateway.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const AGENTS = Number(process.env.LOADTEST_AGENTS ?? 5000);
const CONCURRENCY = 16;
const STORE = join(resolve(process.env.CERTCTL_DATA_DIR ?? '.local'), 'loadtest', 'agents.json');

export const name = 'agent-heartbeat';
export const description = `POST /api/v1/agents/{id}/heartbeat from ${AGENTS} registered agents, each with its own agent key`;

/** Registers the fleet once through the API and keeps the keys (they are shown only at registration). */
export async function setup(ctx) {
  let fleet = existsSync(STORE) ? JSON.parse(readFileSync(STORE, 'utf8')) : [];
  if (fleet.length && fleet[0].url !== ctx.url) fleet = [];
  if (fleet.length >= AGENTS) {
    ctx.log(`reusing ${fleet.length} registered agents from ${STORE}`);
  } else {
    const missing = AGENTS - fleet.length;
    const run = Date.now().toString(36);
    ctx.log(`registering ${missing} agents (this is setup, not measured)`);
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < missing) {
        const i = next++;
        const out = await ctx.api('POST', '/api/v1/agents', { name: `lt-agent-${run}-${i}`, hostname: `host-${i}.loadtest` });
        fleet.push({ id: out.agent.id, key: out.api_key, url: ctx.url });
        if (fleet.length % 1000 === 0) ctx.log(`${fleet.length} agents registered`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    ctx.log(`registered ${missing} agents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(dirname(STORE), { recursive: true });
    writeFileSync(STORE, JSON.stringify(fleet), { mode: 0o600 });
  }
  ctx.fleet = fleet.slice(0, AGENTS);
}

export function requests(ctx) {
  return ctx.fleet.map((a, i) => ({
    method: 'POST',
    path: `/api/v1/agents/${a.id}/heartbeat`,
    auth: false,
    headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      hostname: `host-${i}.loadtest`,
      os: 'linux',
      architecture: 'amd64',
      version: '1.0.0',
      ip_addresses: ['10.1.0.1'],
    }),
  }));
}
