// Shared by the benchmarks that seed PostgreSQL and drive the gateway: their command-line
// options (--name value), the gateway URL, the admin key and the database URL, as npm start sets them.
import { readFileSync } from 'node:fs';
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
      const name = /dist\/apps\/([a-z-]+)\/main\.js/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
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
