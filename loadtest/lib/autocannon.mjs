// What the load runner (run.mjs) and the soak benchmark (soak.mjs) share: the scenarios
// (scenarios/*.mjs), autocannon runs with per-response latencies, exact percentiles, and the
// commit and machine every results file records.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SCENARIO_DIR = join(HERE, '..', 'scenarios');

export async function loadScenarios() {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.mjs'))
    .sort();
  const scenarios = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(SCENARIO_DIR, f)).href);
    const s = mod.default ?? mod;
    if (typeof s.name !== 'string' || !s.name) throw new Error(`scenario ${f} exports no name`);
    if (!s.requests) throw new Error(`scenario ${f} exports no requests (an array, or a function of ctx returning one)`);
    scenarios.push({ file: f, ...s });
  }
  return scenarios;
}

/** Scenario requests → autocannon requests, each carrying the API key. */
export function toAutocannonRequests(list, key) {
  if (!Array.isArray(list) || list.length === 0) throw new Error('a scenario must give at least one request');
  return list.map((r) => {
    const headers = { ...(r.headers ?? {}) };
    if (r.auth !== false) headers.authorization = `Bearer ${key}`;
    let body = r.body;
    if (body !== undefined && typeof body !== 'string') {
      body = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    return { method: r.method ?? 'GET', path: r.path, headers, ...(body !== undefined ? { body } : {}) };
  });
}

/** Starts autocannon: the running instance (for its events) and a promise of its result with every response latency. */
export function startAutocannon(opts) {
  const latencies = [];
  const errorKinds = {};
  let instance;
  const promise = new Promise((resolve, reject) => {
    instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ result, latencies, errorKinds })));
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  instance.on('reqError', (err) => {
    const kind = err?.code ?? (/timed out/i.test(err?.message) ? 'ETIMEDOUT' : (err?.message ?? 'error'));
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  });
  return { instance, promise };
}

export function runAutocannon(opts) {
  return startAutocannon(opts).promise;
}

/** Exact percentile (nearest rank) of sorted values, in ms. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const round = (n, d = 2) => (n === null || n === undefined ? null : Math.round(n * 10 ** d) / 10 ** d);

export function summarize(result, latencies) {
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, v.count]));
  const requests = result.requests.total;
  return {
    requests,
    duration_s: result.duration,
    throughput_rps: round(requests / result.duration, 1),
    latency_ms: {
      min: round(sorted[0] ?? null),
      mean: round(sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null),
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted[sorted.length - 1] ?? null),
    },
    status_codes: statusCodes,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytes_per_s: Math.round(result.throughput.average),
  };
}

export function gitInfo() {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? null,
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    autocannon: JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')).version,
  };
}
