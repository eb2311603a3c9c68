// Shared by the benchmarks that seed PostgreSQL and drive the gateway: their command-line
// options (--name value), the gateway URL, the admin key and the database URL, as npm start sets them.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApi } from './api.mjs';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `--name value` from the command line, or `fallback`. */
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** The gateway URL, the admin key (--key, CERTCTL_API_KEY or the key file npm start writes), the database URL and an API client. */
export function benchTarget() {
  const url = arg('url', process.env.LOADTEST_URL ?? `http://127.0.0.1:${process.env.CERTCTL_GATEWAY_PORT ?? 8080}`);
  const dataDir = process.env.CERTCTL_DATA_DIR ?? join(ROOT, '.local');
  const key =
    arg('key', process.env.CERTCTL_API_KEY) ??
    readFileSync(process.env.CERTCTL_ADMIN_KEY_FILE ?? join(dataDir, 'admin-api-key'), 'utf8').trim();
  const dbUrl = process.env.DATABASE_URL ?? `postgresql://certctl:certctl@127.0.0.1:${process.env.CERTCTL_PG_PORT ?? 15432}/certctl`;
  return { url, dataDir, key, dbUrl, api: createApi(url, key) };
}

/** The seven services npm start runs, by name → pid (from <data dir>/services.pids); those gone are left out. */
export function servicePids(dataDir) {
  const byName = {};
  let pids = [];
  try {
    pids = [...new Set(readFileSync(join(dataDir, 'services.pids'), 'utf8').split('\n').filter(Boolean).map(Number))];
  } catch {
    return byName;
  }
  for (const pid of pids) {
    try {
      // One process per service, or the one process of all seven (CERTCTL_SINGLE_PROCESS=1): 'platform'.
      const m = /dist\/(?:apps\/([a-z-]+)\/main|tools\/(single-process))\.js/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      const name = m ? (m[1] ?? 'platform') : undefined;
      if (name) byName[name] = pid;
    } catch {
      /* exited */
    }
  }
  return byName;
}

/** Each service's HTTP port (the gateway's: its metrics listener, where /metrics is), as npm start sets them. */
export function servicePorts(env = process.env) {
  const port = (name, fallback) => Number(env[`CERTCTL_${name}_PORT`] || fallback);
  return {
    gateway: port('GATEWAY', 8080),
    inventory: port('INVENTORY', 8081),
    issuance: port('ISSUANCE', 8082),
    acme: port('ACME', 8083),
    revocation: port('REVOCATION', 8084),
    scheduler: port('SCHEDULER', 8085),
    notifications: port('NOTIFICATIONS', 8086),
    gatewayMetrics: port('GATEWAY_METRICS', 8087),
  };
}

const readText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};
const pidFile = (file) => Number(readText(file)?.split('\n')[0]) || undefined;
const kib = (text, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text ?? '')?.[1] ?? 0);
/** Proportional set size (shared pages split among their sharers): PostgreSQL's shared buffers count once. */
const pssMb = (pid) => kib(readText(`/proc/${pid}/smaps_rollup`), 'Pss') / 1024;
const childrenOf = (parent) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => readText(`/proc/${d}/stat`)?.split(') ')[1]?.split(' ')[1] === String(parent))
    .map(Number);

/** The processes of a stack npm start runs from `dataDir`: the services (services.pids) and PostgreSQL (with its backends), Redis and NATS, by name → pids. */
export function stackProcesses(dataDir) {
  const found = {};
  for (const [name, pid] of Object.entries(servicePids(dataDir))) found[name] = [pid];
  const postmaster = pidFile(join(dataDir, 'pg', 'postmaster.pid'));
  if (postmaster) found.postgresql = [postmaster, ...childrenOf(postmaster)];
  const redis = pidFile(join(dataDir, 'redis', 'redis.pid'));
  if (redis) found.redis = [redis];
  const nats = pidFile(join(dataDir, 'nats', 'nats.pid'));
  if (nats) found.nats = [nats];
  return found;
}

/** Resident memory of one entry of stackProcesses, MB: PostgreSQL as proportional set size (its shared buffers once), the others VmRSS. */
export function residentMb(name, pids) {
  return Math.round(
    pids.reduce((sum, pid) => sum + (name === 'postgresql' ? pssMb(pid) : kib(readText(`/proc/${pid}/status`), 'VmRSS') / 1024), 0),
  );
}

/** Resident memory of the whole stack, MB: each process group, the services, the infrastructure and the total. */
export function stackMemory(dataDir) {
  const rss = {};
  for (const [name, pids] of Object.entries(stackProcesses(dataDir))) rss[name] = residentMb(name, pids);
  const infra = ['postgresql', 'redis', 'nats'];
  const sum = (names) => names.reduce((a, n) => a + (rss[n] ?? 0), 0);
  const services = Object.keys(rss).filter((n) => !infra.includes(n));
  return { rss_mb: rss, services_mb: sum(services), infrastructure_mb: sum(infra), total_mb: sum(Object.keys(rss)) };
}

const TICKS = 100; // USER_HZ
function procCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS; // utime stime cutime cstime
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by each process of the stack (/proc: each service, or the one process of
 * all; PostgreSQL with its backends, whose ended children count in the postmaster; Redis, NATS), so
 * a benchmark's cost per operation can be told apart from what other processes on the machine take.
 */
export function stackCpuSeconds(dataDir) {
  const out = {};
  for (const [name, pids] of Object.entries(stackProcesses(dataDir))) out[name] = pids.reduce((a, p) => a + procCpu(p), 0);
  return out;
}

/** CPU milliseconds per operation of each process between two stackCpuSeconds snapshots, and their total. */
export function cpuMsPer(before, after, operations) {
  const perProcess = Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, +(((after[k] - (before[k] ?? 0)) * 1000) / operations).toFixed(3)])
      .filter(([, v]) => v > 0),
  );
  const total = +Object.values(perProcess)
    .reduce((a, b) => a + b, 0)
    .toFixed(3);
  return { per_process: perProcess, total };
}
