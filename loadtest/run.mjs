#!/usr/bin/env node
/* global fetch, AbortSignal */
// Load runner for a running certctl-ts stack: named scenarios (loadtest/scenarios/*.mjs)
// driven by autocannon. Prints a table, writes loadtest/results/<scenario>-<time>.json,
// and exits non-zero when any request failed. See loadtest/README.md.
//
//   npm run loadtest -- [--scenario certificates-list] [--duration 15] [--connections 16]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LoadtestError, createApi, hintForError, hintForStatus } from './lib/api.mjs';
import { gitInfo, loadScenarios, machineInfo, runAutocannon, summarize, toAutocannonRequests } from './lib/autocannon.mjs';
import { cpuMsPer, stackCpuSeconds } from './lib/bench.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const RESULTS_DIR = join(HERE, 'results');

const USAGE = `Usage: node loadtest/run.mjs [options]   (or: npm run loadtest -- [options])

Options (environment variable in brackets):
  --url <url>          gateway base URL [LOADTEST_URL]
                       default http://127.0.0.1:\${CERTCTL_GATEWAY_PORT:-8080}
  --key <key>          API key [CERTCTL_API_KEY]; default: the file
                       \${CERTCTL_ADMIN_KEY_FILE:-\${CERTCTL_DATA_DIR:-.local}/admin-api-key}
  --scenario <names>   comma-separated scenario names, or "all" [LOADTEST_SCENARIO] (default all)
  --duration <s>       measured seconds per scenario [LOADTEST_DURATION] (default 15)
  --connections <n>    concurrent connections [LOADTEST_CONNECTIONS] (default 16)
  --warmup <s>         unmeasured seconds before each scenario, 0 for none [LOADTEST_WARMUP] (default 3)
  --timeout <s>        per-request timeout [LOADTEST_TIMEOUT] (default 10)
  --no-setup           skip the scenarios' setup (data creation)
  --no-save            do not write a results file
  --list               list the scenarios and exit
  -h, --help           this text

Exit status: 0 all scenarios clean; 1 a scenario had non-2xx responses or errors, or
could not run; 2 bad options.`;

class UsageError extends Error {}

function parseOptions(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      scenario: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      timeout: { type: 'string' },
      'no-setup': { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const number = (name, raw, fallback, { min, integer }) => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min} (got ${JSON.stringify(raw)})`);
    }
    return n;
  };
  const url = values.url ?? env.LOADTEST_URL ?? `http://127.0.0.1:${env.CERTCTL_GATEWAY_PORT || 8080}`;
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${JSON.stringify(url)}`);
  }
  return {
    help: values.help,
    list: values.list,
    url: url.replace(/\/+$/, ''),
    key: values.key,
    scenario: values.scenario ?? env.LOADTEST_SCENARIO ?? 'all',
    duration: number('duration', values.duration ?? env.LOADTEST_DURATION, 15, { min: 1, integer: true }),
    connections: number('connections', values.connections ?? env.LOADTEST_CONNECTIONS, 16, { min: 1, integer: true }),
    warmup: number('warmup', values.warmup ?? env.LOADTEST_WARMUP, 3, { min: 0, integer: true }),
    timeout: number('timeout', values.timeout ?? env.LOADTEST_TIMEOUT, 10, { min: 1, integer: true }),
    setup: !values['no-setup'],
    save: !values['no-save'],
  };
}

/** --key, else CERTCTL_API_KEY, else the admin key file that `npm start` writes. */
function resolveKey(opts, env) {
  if (opts.key) return { key: opts.key, source: '--key' };
  if (env.CERTCTL_API_KEY) return { key: env.CERTCTL_API_KEY, source: 'CERTCTL_API_KEY' };
  const file = env.CERTCTL_ADMIN_KEY_FILE ?? join(env.CERTCTL_DATA_DIR || join(ROOT, '.local'), 'admin-api-key');
  if (!existsSync(file)) {
    throw new LoadtestError(
      `no API key: ${file} does not exist`,
      'pass --key, set CERTCTL_API_KEY, or start the platform with npm start (it writes that file)',
    );
  }
  const key = readFileSync(file, 'utf8').trim();
  if (!key) throw new LoadtestError(`no API key: ${file} is empty`, 'pass --key or set CERTCTL_API_KEY');
  return { key, source: file };
}

function selectScenarios(all, wanted) {
  if (wanted === 'all') return all;
  const names = wanted
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return names.map((n) => {
    const s = all.find((x) => x.name === n);
    if (!s) throw new UsageError(`unknown scenario ${JSON.stringify(n)}; known: ${all.map((x) => x.name).join(', ')}`);
    return s;
  });
}

/** One cheap request before anything else: is a gateway listening at --url at all? */
async function preflight(url) {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200) {
      throw new LoadtestError(`${url}/health answered ${res.status}`, hintForStatus(res.status) ?? 'is --url the gateway?');
    }
  } catch (err) {
    if (err instanceof LoadtestError) throw err;
    throw new LoadtestError(`cannot reach ${url}: ${err.cause?.message ?? err.message}`, hintForError(err, url));
  }
}

/** Why a scenario failed, in words an operator can act on. */
function failureReasons(summary, errorKinds, url) {
  const reasons = [];
  for (const [code, count] of Object.entries(summary.status_codes)) {
    const status = Number(code);
    if (status >= 200 && status <= 299) continue;
    const hint = hintForStatus(status);
    reasons.push(`${count} × HTTP ${status}${hint ? `: ${hint}` : ''}`);
  }
  for (const [kind, count] of Object.entries(errorKinds)) {
    const hint = hintForError({ code: kind, message: kind }, url);
    reasons.push(`${count} × ${kind}${hint ? `: ${hint}` : ''}`);
  }
  if (reasons.length === 0 && (summary.non_2xx > 0 || summary.errors > 0)) {
    reasons.push(`${summary.non_2xx} non-2xx responses, ${summary.errors} errors`);
  }
  if (summary.requests === 0 && reasons.length === 0) reasons.push('no request completed');
  return reasons;
}

function printTable(rows) {
  const cols = [
    ['scenario', (r) => r.name],
    ['requests', (r) => r.summary?.requests],
    ['req/s', (r) => r.summary?.throughput_rps],
    ['p50 ms', (r) => r.summary?.latency_ms.p50],
    ['p95 ms', (r) => r.summary?.latency_ms.p95],
    ['p99 ms', (r) => r.summary?.latency_ms.p99],
    ['max ms', (r) => r.summary?.latency_ms.max],
    ['non-2xx', (r) => r.summary?.non_2xx],
    ['errors', (r) => r.summary?.errors],
    ['result', (r) => (r.ok ? 'ok' : 'FAILED')],
  ];
  const cells = rows.map((r) => cols.map(([, get]) => String(get(r) ?? '-')));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(cols.map(([h]) => h)));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  console.log('');
}

async function runScenario(scenario, opts, key, log) {
  const ctx = { url: opts.url, key, api: createApi(`${opts.url}/`, key), log: (msg) => log(`[${scenario.name}] ${msg}`) };
  if (opts.setup && typeof scenario.setup === 'function') {
    ctx.log('setup');
    await scenario.setup(ctx);
  }
  const list = typeof scenario.requests === 'function' ? await scenario.requests(ctx) : scenario.requests;
  const base = {
    url: opts.url,
    connections: opts.connections,
    timeout: opts.timeout,
    requests: toAutocannonRequests(list, key),
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
  };
  if (opts.warmup > 0) {
    ctx.log(`warming up for ${opts.warmup} s (not measured)`);
    const warm = await runAutocannon({ ...base, duration: opts.warmup });
    if (warm.result.requests.total === 0) {
      const reasons = failureReasons(summarize(warm.result, warm.latencies), warm.errorKinds, opts.url);
      throw new LoadtestError(`warm-up completed no request`, reasons.join('; '));
    }
  }
  ctx.log(`measuring for ${opts.duration} s with ${opts.connections} connections`);
  const started = new Date();
  // The measured phase's CPU per request of each process of a stack started on this machine from
  // this checkout (its data dir: services.pids, PostgreSQL, Redis, NATS), from /proc.
  const dataDir = process.env.CERTCTL_DATA_DIR || join(ROOT, '.local');
  const cpuBefore = stackCpuSeconds(dataDir);
  const { result, latencies, errorKinds } = await runAutocannon({ ...base, duration: opts.duration });
  const summary = summarize(result, latencies);
  if (Object.keys(cpuBefore).length && summary.requests > 0) {
    summary.cpu_ms_per_request = cpuMsPer(cpuBefore, stackCpuSeconds(dataDir), summary.requests);
    ctx.log(`CPU per request: ${summary.cpu_ms_per_request.total} ms ${JSON.stringify(summary.cpu_ms_per_request.per_process)}`);
  }
  const reasons = failureReasons(summary, errorKinds, opts.url);
  return { started, summary, errorKinds, reasons, ok: summary.non_2xx === 0 && summary.errors === 0 && summary.requests > 0 };
}

function saveResult(scenario, run, opts, keySource) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = run.started
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const file = join(RESULTS_DIR, `${scenario.name}-${stamp}.json`);
  const doc = {
    scenario: scenario.name,
    description: scenario.description ?? '',
    started_at: run.started.toISOString(),
    ok: run.ok,
    failures: run.reasons,
    parameters: {
      url: opts.url,
      duration_s: opts.duration,
      connections: opts.connections,
      warmup_s: opts.warmup,
      timeout_s: opts.timeout,
      setup: opts.setup,
      key_source: keySource.startsWith('/') ? 'file' : keySource,
      command: `node loadtest/run.mjs ${process.argv.slice(2).join(' ')}`.trim().replace(/--key(=|\s+)\S+/, '--key ****'),
    },
    results: { ...run.summary, error_kinds: run.errorKinds },
    machine: machineInfo(),
    git: gitInfo(),
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

async function main() {
  const log = (msg) => console.error(`[loadtest] ${msg}`);
  let opts;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`[loadtest] ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const all = await loadScenarios();
  if (opts.list) {
    for (const s of all) console.log(`${s.name.padEnd(24)} ${s.description ?? ''}`);
    return 0;
  }
  let selected;
  try {
    selected = selectScenarios(all, opts.scenario);
  } catch (err) {
    console.error(`[loadtest] ${err.message}`);
    return 2;
  }

  const { key, source } = resolveKey(opts, process.env);
  log(`target ${opts.url}, key from ${source}, ${selected.length} scenario(s): ${selected.map((s) => s.name).join(', ')}`);
  await preflight(opts.url);

  const rows = [];
  for (const scenario of selected) {
    try {
      const run = await runScenario(scenario, opts, key, log);
      const row = { name: scenario.name, ...run };
      if (opts.save) row.file = saveResult(scenario, run, opts, source);
      rows.push(row);
    } catch (err) {
      if (!(err instanceof LoadtestError)) throw err;
      rows.push({ name: scenario.name, ok: false, reasons: [err.hint ? `${err.message}: ${err.hint}` : err.message] });
    }
  }

  printTable(rows);
  for (const r of rows) if (r.file) log(`${r.name}: results written to ${r.file.slice(ROOT.length + 1)}`);
  const failed = rows.filter((r) => !r.ok);
  for (const r of failed) {
    console.error(`[loadtest] FAILED ${r.name}:`);
    for (const reason of r.reasons) console.error(`  - ${reason}`);
  }
  return failed.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof LoadtestError) {
      console.error(`[loadtest] ${err.message}`);
      if (err.hint) console.error(`[loadtest] ${err.hint}`);
    } else {
      console.error(`[loadtest] ${err.stack ?? err}`);
    }
    process.exitCode = 1;
  },
);
