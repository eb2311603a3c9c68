#!/usr/bin/env node
/* global fetch, AbortSignal, setInterval, clearInterval */
// Soak benchmark: a mixed load at a fraction (default half) of what this machine sustains,
// held for a long time (default 30 min), while the resident memory and open file descriptors
// of every process, the queue and event backlogs and the database size are sampled. A leak
// shows as a line that climbs; the charts (PNG) and the growth table say whether they stay flat.
//
//   node loadtest/soak.mjs [--minutes 30] [--sample 10] [--calibrate 8] [--fraction 0.5]
//                          [--scenarios certificates-list,ocsp-get,agent-heartbeat,acme-new-nonce]
//                          [--connections 8] [--charts loadtest/results]
//
// Needs a running stack (npm start). Capacity is measured first, each scenario alone and
// closed-loop for --calibrate seconds; then every scenario runs at once, each at
// capacity × fraction / (number of scenarios) requests per second, so the whole mix is
// about `fraction` of what the stack can do.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createApi } from './lib/api.mjs';
import {
  gitInfo,
  loadScenarios,
  machineInfo,
  percentile,
  runAutocannon,
  startAutocannon,
  summarize,
  toAutocannonRequests,
} from './lib/autocannon.mjs';
import { ROOT, arg, benchTarget, residentMb, servicePorts, stackProcesses } from './lib/bench.mjs';
import { lineChartSvg, svgToPng } from './lib/charts.mjs';

process.env.LOADTEST_AGENTS ??= '500';
const minutes = Number(arg('minutes', process.env.LOADTEST_SOAK_MINUTES ?? 30));
const sampleS = Number(arg('sample', 10));
const calibrateS = Number(arg('calibrate', 8));
const fraction = Number(arg('fraction', 0.5));
const connections = Number(arg('connections', 8));
const wanted = arg('scenarios', 'certificates-list,ocsp-get,agent-heartbeat,acme-new-nonce').split(',');
const outDir = arg('charts', join(ROOT, 'loadtest', 'results'));
for (const [name, v] of Object.entries({ minutes, sampleS, calibrateS, fraction, connections })) {
  if (!(v > 0)) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
}
const log = (msg) => console.error(`[soak] ${new Date().toISOString().slice(11, 19)} ${msg}`);
const { url, key, dataDir, dbUrl } = benchTarget();
const env = process.env;
const ports = servicePorts(env);
/** Where each service answers /metrics (the gateway on its own listener). */
const metricsPorts = [
  ports.gatewayMetrics,
  ports.inventory,
  ports.issuance,
  ports.acme,
  ports.revocation,
  ports.scheduler,
  ports.notifications,
];
const natsMonitor = `http://127.0.0.1:${env.CERTCTL_NATS_MONITOR_PORT || 18222}`;

// ---- what a sample reads -------------------------------------------------------------------

const fdCount = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};
async function getJson(u) {
  const res = await fetch(u, { signal: AbortSignal.timeout(5000) });
  return res.json();
}

/** Jobs waiting or in work per queue, from the services' certctl_queue_jobs gauges. */
async function queueDepths() {
  const depth = {};
  for (const port of metricsPorts) {
    let text = '';
    try {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    } catch {
      continue;
    }
    const perQueue = {};
    for (const m of text.matchAll(/^certctl_queue_jobs\{([^}]*)\} (\S+)$/gm)) {
      const queue = /queue="([^"]+)"/.exec(m[1])?.[1];
      if (queue) perQueue[queue] = (perQueue[queue] ?? 0) + Number(m[2]);
    }
    for (const [queue, n] of Object.entries(perQueue)) depth[queue] = Math.max(depth[queue] ?? 0, n);
  }
  return depth;
}

/** Events not yet acknowledged by each durable consumer, from the NATS monitoring port. */
async function eventBacklog() {
  try {
    const jsz = await getJson(`${natsMonitor}/jsz?consumers=true`);
    let pending = 0;
    let messages = 0;
    for (const account of jsz.account_details ?? []) {
      for (const stream of account.stream_detail ?? []) {
        messages += stream.state?.messages ?? 0;
        for (const c of stream.consumer_detail ?? []) pending += (c.num_pending ?? 0) + (c.num_ack_pending ?? 0);
      }
    }
    return { pending, stream_messages: messages };
  } catch {
    return { pending: null, stream_messages: null };
  }
}

/** The database size, on a connection of its own (a restarted PostgreSQL does not end the soak); null when unreachable. */
async function databaseSize() {
  const db = new pg.Client({ connectionString: dbUrl });
  db.on('error', () => undefined);
  try {
    await db.connect();
    return (await db.query('SELECT pg_database_size(current_database())::bigint AS bytes')).rows;
  } catch {
    return null;
  } finally {
    await db.end().catch(() => undefined);
  }
}

async function sample(t0, windows) {
  const procs = stackProcesses(dataDir);
  const rss = {};
  const fds = {};
  for (const [name, pids] of Object.entries(procs)) {
    rss[name] = residentMb(name, pids);
    fds[name] = pids.reduce((sum, pid) => sum + fdCount(pid), 0);
  }
  const rows = await databaseSize();
  const latency = {};
  for (const [name, w] of Object.entries(windows)) {
    const sorted = Float64Array.from(w.splice(0)).sort();
    latency[name] = { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }
  return {
    t: Math.round((Date.now() - t0) / 1000),
    load_average: loadavg()[0],
    rss_mb: rss,
    fds,
    queues: await queueDepths(),
    events: await eventBacklog(),
    db_mb: rows === null ? null : Math.round(Number(rows[0].bytes) / 1048576),
    latency_ms: latency,
  };
}

// ---- verdict and charts --------------------------------------------------------------------

/** Mean of the second quarter against the last quarter (the first quarter is warm-up: caches, pools, JIT). */
function growth(samples, pick) {
  const q = Math.floor(samples.length / 4);
  if (q < 1) return null;
  const mean = (list) => list.reduce((a, s) => a + (pick(s) ?? 0), 0) / list.length;
  const early = mean(samples.slice(q, 2 * q));
  const late = mean(samples.slice(samples.length - q));
  return { early: +early.toFixed(1), late: +late.toFixed(1), change_pct: early ? +((100 * (late - early)) / early).toFixed(1) : null };
}

function seriesOf(samples, group) {
  const names = [...new Set(samples.flatMap((s) => Object.keys(group(s) ?? {})))];
  return names.map((name) => ({ name, points: samples.map((s) => [s.t, group(s)?.[name] ?? 0]) }));
}

function charts(samples, stamp) {
  const specs = [
    ['memory', 'Resident memory per process', 'MB (PostgreSQL: PSS of all its processes)', (s) => s.rss_mb],
    ['fds', 'Open file descriptors per process', 'descriptors', (s) => s.fds],
    ['backlog', 'Queue and event backlog', 'jobs / events', (s) => ({ ...s.queues, 'events unacknowledged': s.events.pending ?? 0 })],
    ['database', 'Database size', 'MB', (s) => ({ database: s.db_mb })],
    [
      'latency',
      'p99 latency per scenario (per sample window)',
      'ms',
      (s) => Object.fromEntries(Object.entries(s.latency_ms).map(([k, v]) => [k, v.p99 ?? 0])),
    ],
  ];
  const files = [];
  mkdirSync(outDir, { recursive: true });
  for (const [id, title, unit, group] of specs) {
    const file = join(outDir, `soak-${stamp}-${id}.png`);
    if (svgToPng(lineChartSvg({ title, unit, series: seriesOf(samples, group) }), file)) files.push(file);
  }
  return files;
}

// ---- the run -------------------------------------------------------------------------------

async function main() {
  const all = await loadScenarios();
  const selected = wanted.map(
    (n) => all.find((s) => s.name === n.trim()) ?? usage(`unknown scenario ${n}; known: ${all.map((s) => s.name).join(', ')}`),
  );
  const mix = [];
  for (const scenario of selected) {
    const ctx = { url, key, api: createApi(`${url}/`, key), log: (msg) => log(`[${scenario.name}] ${msg}`) };
    if (typeof scenario.setup === 'function') await scenario.setup(ctx);
    const list = typeof scenario.requests === 'function' ? await scenario.requests(ctx) : scenario.requests;
    const base = {
      url,
      connections,
      timeout: 10,
      requests: toAutocannonRequests(list, key),
      renderProgressBar: false,
      renderResultsTable: false,
      renderLatencyTable: false,
    };
    log(`${scenario.name}: measuring capacity for ${calibrateS} s`);
    const measured = await runAutocannon({ ...base, duration: calibrateS });
    const calib = summarize(measured.result, measured.latencies);
    const rate = Math.max(1, Math.round((calib.throughput_rps * fraction) / selected.length));
    log(`${scenario.name}: capacity ${calib.throughput_rps} req/s alone → ${rate} req/s in the mix`);
    mix.push({ name: scenario.name, base, capacity_rps: calib.throughput_rps, rate_rps: rate });
  }

  const started = new Date();
  const t0 = Date.now();
  const windows = Object.fromEntries(mix.map((m) => [m.name, []]));
  log(`soaking for ${minutes} min: ${mix.map((m) => `${m.name} ${m.rate_rps}/s`).join(', ')}; a sample every ${sampleS} s`);
  const instances = [];
  const runs = mix.map((m) => {
    const { promise, instance } = startAutocannon({ ...m.base, duration: minutes * 60, overallRate: m.rate_rps });
    instances.push(instance);
    instance.on('response', (_c, _s, _b, ms) => windows[m.name].push(ms));
    return promise.then(({ result, latencies }) => ({ name: m.name, summary: summarize(result, latencies) }));
  });
  // Ctrl-C (or SIGTERM) ends the load early and still writes the results and charts so far.
  const stopEarly = (signal) => {
    log(`${signal}: ending the load now; results and charts follow`);
    for (const run of instances) run.stop();
  };
  process.once('SIGINT', stopEarly).once('SIGTERM', stopEarly);
  const samples = [];
  const timer = setInterval(() => {
    sample(t0, windows).then(
      (s) => {
        samples.push(s);
        const mem = Object.values(s.rss_mb).reduce((a, b) => a + b, 0);
        log(
          `t=${s.t}s load=${s.load_average.toFixed(1)} memory=${mem} MB fds=${Object.values(s.fds).reduce((a, b) => a + b, 0)} db=${s.db_mb} MB backlog=${JSON.stringify(s.queues)} events=${s.events.pending}`,
        );
      },
      (err) => log(`sample failed: ${err.message}`),
    );
  }, sampleS * 1000);
  const totals = await Promise.all(runs);
  clearInterval(timer);
  samples.push(await sample(t0, windows));

  const verdict = {
    memory_total_mb: growth(samples, (s) => Object.values(s.rss_mb).reduce((a, b) => a + b, 0)),
    fds_total: growth(samples, (s) => Object.values(s.fds).reduce((a, b) => a + b, 0)),
    db_mb: growth(samples, (s) => s.db_mb),
    backlog_total: growth(samples, (s) => Object.values(s.queues).reduce((a, b) => a + b, 0) + (s.events.pending ?? 0)),
    per_process_memory_mb: Object.fromEntries(Object.keys(samples.at(-1).rss_mb).map((n) => [n, growth(samples, (s) => s.rss_mb[n])])),
  };
  const stamp = started
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
  const pictures = charts(samples, stamp);
  const doc = {
    benchmark: 'soak',
    started_at: started.toISOString(),
    parameters: {
      url,
      minutes,
      sample_s: sampleS,
      calibrate_s: calibrateS,
      fraction,
      connections,
      agents: Number(process.env.LOADTEST_AGENTS),
    },
    mix: mix.map(({ name, capacity_rps, rate_rps }) => ({ name, capacity_rps, rate_rps })),
    totals,
    verdict,
    charts: pictures.map((f) => f.slice(ROOT.length + 1)),
    samples,
    machine: machineInfo(),
    git: gitInfo(),
  };
  mkdirSync(join(ROOT, 'loadtest', 'results'), { recursive: true });
  const file = join(ROOT, 'loadtest', 'results', `soak-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(JSON.stringify({ mix: doc.mix, totals, verdict }, null, 2));
  log(
    `results: ${file.slice(ROOT.length + 1)}; charts: ${pictures.map((f) => f.slice(ROOT.length + 1)).join(', ') || 'none (no chromium)'}`,
  );
  const failed = totals.filter((t) => t.summary.non_2xx > 0 || t.summary.errors > 0);
  for (const t of failed) log(`${t.name}: ${t.summary.non_2xx} non-2xx, ${t.summary.errors} errors`);
  return failed.length ? 1 : 0;
}

function usage(message) {
  console.error(`[soak] ${message}`);
  process.exit(2);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[soak] ${err.stack ?? err}`);
    process.exit(1);
  },
);
