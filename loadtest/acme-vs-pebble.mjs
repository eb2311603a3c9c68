#!/usr/bin/env node
/* global fetch, performance */
// Issue #19, ACME: this platform side by side with Pebble in one run of the machine, with the
// same client harness (loadtest/lib/acme-harness.mjs: the acme-client harness). A-B-A:
// Pebble, this platform (through the gateway), Pebble again, so drift of the machine's load
// shows; then `lego run` (account reused) timed `--lego-runs` times against each.
// Writes loadtest/results/acme-vs-pebble-<time>.json (commit, machine, load averages, orders/s,
// latency percentiles, the ratio, lego medians, CPU per order of the seven services).
//
// The platform must be running (`npm start`) and able to validate against this machine; start it with
//   CERTCTL_ACME_HTTP01_PORT=21502 CERTCTL_ACME_DNS_SERVER=127.0.0.1:21553 \
//   CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES=true CERTCTL_ACME_RATE_ORDERS_PER_HOUR=0 \
//   CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR=0 CERTCTL_ACME_RATE_CONCURRENT_ORDERS=0 \
//   CERTCTL_ACME_RATE_CHALLENGES_PER_HOUR=0 npm start
// (the http-01 and DNS ports must match --http01-port and --dns-port). This script starts
// pebble-challtestsrv on --dns-port (every name → 127.0.0.1) for both servers and sets
// `allow_internal_names` on the default profile (the orders name .test hosts) unless --no-setup.
// Pebble and pebble-challtestsrv come from tools/conformance/install-acme-clients.sh (built
// once from the Go module proxy into the data dir). Everything it starts it stops by PID.
//
//   npm run bench:acme -- [--n 200] [--c 20] [--warmup 20] [--lego-runs 10] [--url http://127.0.0.1:8080] [--stack-commit <sha>]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, servicePids } from './lib/bench.mjs';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.LOADTEST_URL ?? `http://127.0.0.1:${process.env.CERTCTL_GATEWAY_PORT || 8080}` },
    n: { type: 'string', default: '200' },
    c: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '20' },
    'lego-runs': { type: 'string', default: '10' },
    lego: { type: 'string', default: 'lego' },
    'http01-port': { type: 'string', default: '21502' },
    'dns-port': { type: 'string', default: '21553' },
    'pebble-port': { type: 'string', default: '21514' },
    key: { type: 'string' },
    // The commit the running stack was built from, when it is not this checkout's HEAD.
    'stack-commit': { type: 'string' },
    'no-setup': { type: 'boolean', default: false },
    'skip-pebble': { type: 'boolean', default: false },
  },
});
const dataDir = process.env.CERTCTL_DATA_DIR ?? join(ROOT, '.local');
const base = values.url.replace(/\/+$/, '');
const platformDir = `${base}/acme/directory`;
const http01Port = Number(values['http01-port']);
const dnsPort = Number(values['dns-port']);
const pebblePort = Number(values['pebble-port']);
const legoRuns = Number(values['lego-runs']);
const log = (msg) => console.log(`[acme-vs-pebble] ${msg}`);
const load = () => loadavg().map((l) => +l.toFixed(2));
const started = [];

// ---------- processes we start (stopped by PID at the end) ----------
function startProcess(name, file, args, env) {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-4000)));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const proc = { name, child, exited, output: () => output };
  started.push(proc);
  return proc;
}
async function stopAll() {
  for (const p of started.splice(0).reverse()) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      process.kill(p.child.pid, 'SIGTERM');
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))]);
      if (p.child.exitCode === null && p.child.signalCode === null) process.kill(p.child.pid, 'SIGKILL');
    }
  }
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

async function waitFor(what, probe, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ---------- CPU of the platform's seven services (/proc deltas of the PIDs npm start recorded) ----------
const TICKS = 100; // USER_HZ
function procCpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS; // utime + stime
}
function cpuSnapshot() {
  const out = {};
  for (const [name, pid] of Object.entries(servicePids(dataDir))) {
    try {
      out[name] = procCpuSeconds(pid);
    } catch {
      out[name] = NaN;
    }
  }
  return out;
}

// ---------- the harness, one child process per run ----------
function harness(label, dir, n, ca) {
  return new Promise((resolve, reject) => {
    const args = [join(ROOT, 'loadtest', 'lib', 'acme-harness.mjs'), '--dir', dir, '--n', String(n), '--c', values.c];
    args.push('--port', String(http01Port), ...(ca ? ['--ca', ca] : []));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line));
      } catch (err) {
        reject(new Error(`harness (${label}) failed: ${err.message}: ${out}`));
      }
    });
  });
}
async function measured(label, dir, ca, { cpu = false } = {}) {
  if (Number(values.warmup) > 0) {
    const w = await harness(`${label} warm-up`, dir, Number(values.warmup), ca);
    log(`${label}: warm-up ${w.ok} orders (${w.failed} failed)`);
  }
  const loadBefore = load();
  const cpuBefore = cpu ? cpuSnapshot() : null;
  const r = await harness(label, dir, Number(values.n), ca);
  const result = { server: label, ...r, loadavg_before: loadBefore, loadavg_after: load() };
  if (cpu) {
    const after = cpuSnapshot();
    const perOrder = {};
    for (const [name, s] of Object.entries(after)) perOrder[name] = +(((s - cpuBefore[name]) * 1000) / Math.max(1, r.ok)).toFixed(1);
    result.cpu_ms_per_order = perOrder;
    result.cpu_ms_per_order_total = +Object.values(perOrder)
      .reduce((a, b) => a + b, 0)
      .toFixed(1);
  }
  log(
    `${label}: ${r.ok}/${r.n} orders (${r.failed} failed) in ${r.wall_s} s → ${r.orders_per_s} orders/s; p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms, p99 ${r.p99_ms} ms; load ${result.loadavg_before.join(' ')} → ${result.loadavg_after.join(' ')}` +
      (cpu ? `; CPU per order ${result.cpu_ms_per_order_total} ms (${JSON.stringify(result.cpu_ms_per_order)})` : ''),
  );
  return result;
}

// ---------- lego run, account reused ----------
function legoTimes(label, dir, env) {
  const path = mkdtempSync(join(tmpdir(), 'lego-bench-'));
  const run = Date.now().toString(36);
  try {
    const legoArgs = (i) => [
      '--server',
      dir,
      '--accept-tos',
      '--email',
      'bench@example.test',
      '--domains',
      `lego${i}-${run}.example.test`,
      '--http',
      '--http.port',
      `:${http01Port}`,
      '--path',
      path,
      'run',
    ];
    const timed = (i) => {
      const t0 = performance.now();
      execFileSync(values.lego, legoArgs(i), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
      return performance.now() - t0;
    };
    timed('account'); // registers the account, not counted
    const loadBefore = load();
    const ms = Array.from({ length: legoRuns }, (_, i) => timed(i)).sort((a, b) => a - b);
    const median = ms.length % 2 ? ms[(ms.length - 1) / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
    const result = {
      server: label,
      runs: ms.length,
      median_s: +(median / 1000).toFixed(3),
      min_s: +(ms[0] / 1000).toFixed(3),
      max_s: +(ms.at(-1) / 1000).toFixed(3),
      loadavg_before: loadBefore,
      loadavg_after: load(),
    };
    log(
      `lego run against ${label} (account reused): median ${result.median_s} s of ${ms.length} (min ${result.min_s}, max ${result.max_s})`,
    );
    return result;
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

// ---------- main ----------
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
const legoVersion = (() => {
  try {
    return execFileSync(values.lego, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();
const loadStart = load();
log(`commit ${commit}${dirty ? ' (dirty)' : ''}; ${cpus().length} CPUs; load average ${loadStart.join(' ')}`);

const bin = execFileSync('bash', [join(ROOT, 'tools', 'conformance', 'install-acme-clients.sh'), 'pebble'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
})
  .trim()
  .split('\n')
  .pop();
const certs = join(bin, '..', 'pebble-certs');
const pebbleCa = join(certs, 'pebble.minica.pem');
const pebbleVersion = readFileSync(join(bin, '.pebble-version'), 'utf8').trim();
const scratch = mkdtempSync(join(tmpdir(), 'acme-vs-pebble-'));
const pebbleEnv = { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' };
const results = { runs: [], lego: [] };
let exitCode = 0;
try {
  // Every name resolves to 127.0.0.1, for Pebble's and for this platform's validation.
  const cts = startProcess('pebble-challtestsrv', join(bin, 'pebble-challtestsrv'), [
    '-dnsserver',
    `127.0.0.1:${dnsPort}`,
    '-management',
    `127.0.0.1:${dnsPort + 2}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
    '-doh',
    '',
    '-defaultIPv4',
    '127.0.0.1',
    '-defaultIPv6',
    '',
  ]);
  await waitFor(
    'pebble-challtestsrv',
    async () => (await fetch(`http://127.0.0.1:${dnsPort + 2}/clear-txt`, { method: 'POST', body: '{"host":"probe.example."}' })).ok,
  ).catch((err) => {
    throw new Error(`${err.message}\n${cts.output()}`);
  });
  const config = join(scratch, 'pebble-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${pebblePort}`,
        managementListenAddress: `127.0.0.1:${pebblePort + 1}`,
        certificate: join(certs, 'localhost', 'cert.pem'),
        privateKey: join(certs, 'localhost', 'key.pem'),
        httpPort: http01Port,
        tlsPort: pebblePort + 2,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        retryAfter: { authz: 1, order: 1 },
        keyAlgorithm: 'ecdsa',
        profiles: { default: { description: 'default', validityPeriod: 7776000 } },
      },
    }),
  );
  const pebbleDir = `https://127.0.0.1:${pebblePort}/dir`;
  let pebble;
  if (!values['skip-pebble']) {
    pebble = startProcess('pebble', join(bin, 'pebble'), ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], pebbleEnv);
    await waitFor('pebble', async () => {
      execFileSync('curl', ['-sf', '--cacert', pebbleCa, pebbleDir], { stdio: 'ignore' });
      return true;
    }).catch((err) => {
      throw new Error(`${err.message}\n${pebble.output()}`);
    });
  }

  // The platform: reachable, and its default profile accepting .test names.
  await waitFor('the platform (npm start)', async () => (await fetch(platformDir)).ok, 5000);
  if (!values['no-setup']) {
    const key = values.key ?? process.env.CERTCTL_API_KEY ?? readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const profile = await fetch(`${base}/api/v1/profiles/prof-standard-tls`, { headers });
    if (!profile.ok) throw new Error(`GET prof-standard-tls: ${profile.status} ${await profile.text()}`);
    if ((await profile.json()).allow_internal_names !== true) {
      const res = await fetch(`${base}/api/v1/profiles/prof-standard-tls`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ allow_internal_names: true }),
      });
      if (!res.ok) throw new Error(`PATCH prof-standard-tls allow_internal_names: ${res.status} ${await res.text()}`);
      log('allowed internal names on prof-standard-tls; waiting 31 s for the profile cache of the ACME service');
      await new Promise((r) => setTimeout(r, 31000));
    }
  }

  if (!values['skip-pebble']) results.runs.push(await measured('pebble', pebbleDir, pebbleCa));
  results.runs.push(await measured('certctl', platformDir, undefined, { cpu: true }));
  if (!values['skip-pebble']) results.runs.push(await measured('pebble (again)', pebbleDir, pebbleCa));

  if (legoRuns > 0) {
    if (!values['skip-pebble']) results.lego.push(legoTimes('pebble', pebbleDir, { LEGO_CA_CERTIFICATES: pebbleCa }));
    results.lego.push(legoTimes('certctl', platformDir, {}));
  }
} catch (err) {
  console.error(`[acme-vs-pebble] ${err.message}`);
  exitCode = 1;
} finally {
  await stopAll();
  rmSync(scratch, { recursive: true, force: true });
}

const ours = results.runs.find((r) => r.server === 'certctl');
const pebbles = results.runs.filter((r) => r.server.startsWith('pebble'));
const pebbleMean = pebbles.length ? pebbles.reduce((a, r) => a + r.orders_per_s, 0) / pebbles.length : null;
const summary = {
  certctl_orders_per_s: ours?.orders_per_s ?? null,
  pebble_orders_per_s: pebbles.map((r) => r.orders_per_s),
  ratio_vs_pebble_mean: ours && pebbleMean ? +(ours.orders_per_s / pebbleMean).toFixed(2) : null,
  ratio_vs_pebble_best: ours && pebbles.length ? +(ours.orders_per_s / Math.max(...pebbles.map((r) => r.orders_per_s))).toFixed(2) : null,
  aim_2x_met: ours && pebbles.length ? ours.orders_per_s >= 2 * Math.max(...pebbles.map((r) => r.orders_per_s)) : null,
  lego_median_s: Object.fromEntries(results.lego.map((l) => [l.server, l.median_s])),
  lego_aim_met: results.lego.find((l) => l.server === 'certctl') ? results.lego.find((l) => l.server === 'certctl').median_s < 0.15 : null,
  certctl_cpu_ms_per_order: ours?.cpu_ms_per_order_total ?? null,
};
const file = join(ROOT, 'loadtest', 'results', `acme-vs-pebble-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(
  file,
  JSON.stringify(
    {
      benchmark: 'acme-vs-pebble',
      commit,
      dirty,
      stack_commit: values['stack-commit'] ?? commit,
      stack_built_at: (() => {
        try {
          return statSync(join(ROOT, 'dist', 'apps', 'acme', 'main.js')).mtime.toISOString();
        } catch {
          return null;
        }
      })(),
      date: new Date().toISOString(),
      parameters: { n: Number(values.n), c: Number(values.c), warmup: Number(values.warmup), lego_runs: legoRuns, url: base },
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        memory_gb: +(totalmem() / 2 ** 30).toFixed(1),
        loadavg_before: loadStart,
        loadavg_after: load(),
        node: process.version,
      },
      pebble: { version: pebbleVersion, env: pebbleEnv },
      lego: legoVersion,
      summary,
      ...results,
    },
    null,
    2,
  ),
);
log(
  `ratio ${summary.ratio_vs_pebble_mean ?? '-'} × Pebble's mean (${summary.pebble_orders_per_s.join(', ')} orders/s; certctl ${summary.certctl_orders_per_s}); lego medians ${JSON.stringify(summary.lego_median_s)}; CPU per order ${summary.certctl_cpu_ms_per_order} ms`,
);
log(`wrote ${file}`);
process.exit(exitCode || (results.runs.some((r) => r.failed > 0) ? 1 : 0));
