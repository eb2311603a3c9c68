#!/usr/bin/env node
/* global fetch, AbortSignal */
// Every benchmark of the performance issue (#19) with one command, on a stack it starts itself
// with the benchmark settings (rate limits raised, ACME validation against this machine), then
// stops: idle memory, the certificate list, agent heartbeats, OCSP direct and through the gateway,
// bulk renewal end to end, and ACME side by side with Pebble. Each benchmark writes its own
// results file as when run alone; this one gathers them, with the load average around each, in
// loadtest/results/bench-<time>.json and prints a summary.
//
//   npm run bench -- [--quick] [--single-process] [--only memory,list,heartbeats,ocsp,forwarding,bulk,acme]
//
// --single-process: the stack runs its seven services in one process (CERTCTL_SINGLE_PROCESS=1).
// --quick: short runs (5 s, 500 agents, 1,000 renewals, 50 ACME orders) to check the harness;
// the figures of the issue come from a run without it, on a machine doing nothing else.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gitInfo, machineInfo } from './lib/autocannon.mjs';
import { ROOT, servicePorts, stackMemory } from './lib/bench.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'single-process': { type: 'boolean', default: false },
    only: { type: 'string', default: 'memory,list,heartbeats,ocsp,forwarding,bulk,acme' },
  },
});
const quick = values.quick;
const wanted = new Set(values.only.split(',').map((s) => s.trim()));
const dataDir = process.env.CERTCTL_DATA_DIR ?? join(ROOT, '.local');
const resultsDir = join(ROOT, 'loadtest', 'results');
const env = process.env;
const ports = servicePorts(env);
const gateway = `http://127.0.0.1:${ports.gateway}`;
const revocation = `http://127.0.0.1:${ports.revocation}`;
const acmeDirect = `http://127.0.0.1:${ports.acme}`;
const stackPorts = [ports.gateway, ports.inventory, ports.issuance, ports.acme, ports.revocation, ports.scheduler, ports.notifications];
const log = (msg) => console.log(`[bench] ${msg}`);
const load = () => loadavg().map((l) => +l.toFixed(2));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The settings the benchmarks need (loadtest/README.md): no rate limit in the way, ACME validating against this machine. */
const stackEnv = {
  ...env,
  CERTCTL_RATE_LIMIT_RPS: '1000000',
  CERTCTL_RATE_LIMIT_BURST: '1000000',
  CERTCTL_START_TIMEOUT_MS: env.CERTCTL_START_TIMEOUT_MS ?? '300000',
  CERTCTL_ACME_HTTP01_PORT: '21502',
  CERTCTL_ACME_DNS_SERVER: '127.0.0.1:21553',
  CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: 'true',
  CERTCTL_ACME_RATE_ORDERS_PER_HOUR: '0',
  CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR: '0',
  CERTCTL_ACME_RATE_CONCURRENT_ORDERS: '0',
  CERTCTL_ACME_RATE_CHALLENGES_PER_HOUR: '0',
  ...(values['single-process'] ? { CERTCTL_SINGLE_PROCESS: '1' } : {}),
};

async function ready(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

/** npm start with the benchmark settings; resolves once every service is ready. */
async function startStack() {
  if ((await Promise.all(stackPorts.map((p) => ready(`http://127.0.0.1:${p}/health`)))).some(Boolean)) {
    throw new Error('a service port already answers: stop the running stack first (npm stop), the benchmarks start their own');
  }
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const out = openSync(join(dataDir, 'logs', 'bench-start.log'), 'a');
  const child = spawn('bash', [join(ROOT, 'tools', 'start.sh')], { env: stackEnv, stdio: ['ignore', out, out], detached: true });
  const deadline = Date.now() + 15 * 60 * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}): see ${join(dataDir, 'logs', 'bench-start.log')}`);
    if ((await Promise.all(stackPorts.map((p) => ready(`http://127.0.0.1:${p}/ready`)))).every(Boolean)) return child;
    await sleep(2000);
  }
  throw new Error('the stack was not ready within 15 min');
}

function stopStack(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    process.kill(-child.pid, 'SIGTERM'); // start.sh execs the stack runner, which stops the services gracefully
  });
}

/** Runs one benchmark script, its output shown; answers the results file it wrote (the newest with `prefix`). */
function run(prefix, args, extraEnv = {}) {
  const before = new Set(existsSync(resultsDir) ? readdirSync(resultsDir) : []);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: 'inherit' });
    child.on('exit', (code) => {
      const made = readdirSync(resultsDir)
        .filter((f) => f.startsWith(prefix) && f.endsWith('.json') && !before.has(f))
        .sort();
      const file = made.at(-1);
      resolve({
        exit_code: code,
        file: file ? `loadtest/results/${file}` : null,
        results: file ? JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) : null,
      });
    });
  });
}

/** One public scenario at 100 connections against the owning service, then through the gateway. */
function directThenGateway(id, scenario, direct) {
  const duration = quick ? '5' : '15';
  return [
    [direct, 'direct'],
    [gateway, 'gateway'],
  ].map(([url, variant]) => [
    id,
    scenario,
    ['loadtest/run.mjs', '--url', url, '--scenario', scenario, '--duration', duration, '--connections', '100'],
    {},
    variant,
  ]);
}

async function main() {
  const duration = quick ? '5' : '15';
  const benchmarks = [
    ['list', 'certificates-list', ['loadtest/run.mjs', '--scenario', 'certificates-list', '--duration', duration, '--connections', '16']],
    [
      'heartbeats',
      'agent-heartbeat',
      ['loadtest/run.mjs', '--scenario', 'agent-heartbeat', '--duration', duration, '--connections', '32'],
      { LOADTEST_AGENTS: quick ? '500' : '5000' },
    ],
    // OCSP (the gateway may answer from its cache), then the forwarding without a cache: ACME newNonce.
    ...directThenGateway('ocsp', 'ocsp-get', revocation),
    ...directThenGateway('forwarding', 'acme-new-nonce-get', acmeDirect),
    ['bulk', 'bulk-renew-issuance', ['loadtest/bulk-renew-issuance.mjs', '--count', quick ? '1000' : '10000']],
    [
      'acme',
      'acme-vs-pebble',
      ['loadtest/acme-vs-pebble.mjs', '--n', quick ? '50' : '200', '--warmup', quick ? '5' : '20', '--lego-runs', quick ? '3' : '10'],
    ],
  ].filter(([id]) => wanted.has(id));
  const started = new Date();
  log(`starting the stack with the benchmark settings (${quick ? 'quick' : 'full'} run)`);
  const stack = await startStack();
  const doc = {
    benchmark: 'bench',
    quick,
    single_process: values['single-process'],
    started_at: started.toISOString(),
    machine: machineInfo(),
    git: gitInfo(),
    runs: [],
  };
  try {
    if (wanted.has('memory')) {
      await sleep(20000); // idle after start: the figure of the issue
      doc.memory_idle = stackMemory(dataDir);
      log(
        `idle memory: ${doc.memory_idle.total_mb} MB (services ${doc.memory_idle.services_mb} MB, PostgreSQL/Redis/NATS ${doc.memory_idle.infrastructure_mb} MB) ${JSON.stringify(doc.memory_idle.rss_mb)}`,
      );
    }
    for (const [id, prefix, args, extraEnv = {}, variant] of benchmarks) {
      const loadBefore = load();
      log(`${id}${variant ? ` (${variant})` : ''}: node ${args.join(' ')}`);
      const outcome = await run(prefix, args, extraEnv);
      doc.runs.push({
        id,
        variant: variant ?? null,
        command: `node ${args.join(' ')}`,
        env: extraEnv,
        load_before: loadBefore,
        load_after: load(),
        ...outcome,
      });
    }
    if (wanted.has('memory')) doc.memory_after_load = stackMemory(dataDir);
  } finally {
    log('stopping the stack');
    await stopStack(stack);
  }
  mkdirSync(resultsDir, { recursive: true });
  const file = join(
    resultsDir,
    `bench-${started
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z')}.json`,
  );
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  log('summary:');
  for (const r of doc.runs) {
    const cpu = r.results?.results?.cpu_ms_per_request?.total;
    log(
      `  ${r.id}${r.variant ? ` (${r.variant})` : ''}: exit ${r.exit_code}, ${r.file ?? 'no results file'}, load ${r.load_before[0]} → ${r.load_after[0]}${cpu !== undefined ? `, ${cpu} ms CPU per request` : ''}`,
    );
  }
  for (const id of ['ocsp', 'forwarding']) {
    const rps = (variant) => doc.runs.find((r) => r.id === id && r.variant === variant)?.results?.results?.throughput_rps;
    if (rps('direct') && rps('gateway')) log(`  ${id}: through the gateway ${(rps('gateway') / rps('direct')).toFixed(2)}× direct`);
  }
  log(`results: ${file.slice(ROOT.length + 1)}`);
  return doc.runs.some((r) => r.exit_code !== 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[bench] ${err.message}`);
    process.exit(1);
  },
);
