import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  createTestDatabase,
  ensureInfra,
  infraEnv,
  readinessUrls,
  servicePorts,
  traceTimers,
  spawnChallengeTestServer,
  startNatsServer,
  startStack,
  waitHttpsReady,
} from '@certctl/testing';
import { Client } from 'pg';
import { E2E_DIR, e2ePortOffset, writeState } from './e2e-env';
import { proxyDependencies } from './faults/fault-proxies';

/**
 * Starts the whole platform from its built bundles, isolated from a stack a developer
 * may be running: its own database, Redis logical database, NATS server and ports.
 */
export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  traceTimers(); // CERTCTL_TEST_EXIT_TRACE=1: where a timer left pending came from (libs/testing/src/exit-watchdog.ts)
  ensureInfra();
  // With the test hooks (the kill-mid-job crash hook): production builds leave them out.
  execFileSync(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CERTCTL_BUILD_TEST_HOOKS: '1' },
  });
  const base = infraEnv();
  const databaseUrl = await createTestDatabase('certctl_e2e', base.DATABASE_URL);
  // The helper processes (NATS, the challenge server) end with the stack when setup fails:
  // a failed start leaves nothing running.
  const helpers: number[] = [];
  try {
    // NATS with one user per service and the generated permissions; each service gets its own
    // credentials and principal keys from the secrets file (startService), as with `npm start`.
    // A fresh database gets a fresh events stream: no event of an earlier run is delivered again.
    rmSync(join(E2E_DIR, 'nats', 'jetstream'), { recursive: true, force: true });
    const nats = await startNatsServer({ dir: join(E2E_DIR, 'nats') });
    helpers.push(nats.pid);
    const redisUrl = `${base.REDIS_URL.replace(/\/\d*$/, '')}/5`;
    const { default: IORedis } = await import('ioredis');
    const redis = new IORedis(redisUrl, { lazyConnect: true });
    await redis.connect();
    await redis.flushdb();
    await redis.quit();

    const adminKey = `e2e_${randomBytes(24).toString('base64url')}`;
    const logDir = join(E2E_DIR, 'logs');
    rmSync(logDir, { recursive: true, force: true });
    mkdirSync(logDir, { recursive: true });
    // The gateway's HTTPS certificate comes from this run's fresh local CA: none is kept from an earlier run.
    rmSync(join(E2E_DIR, 'tls'), { recursive: true, force: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      NATS_URL: nats.url,
      CERTCTL_BUS_CREDENTIALS_FILE: nats.secretsFile,
      CERTCTL_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      CERTCTL_NATS_TIMEOUT_MS: '2000',
      // Read by inventory, which adds the issuance jobs: 4 queue attempts (more than rp-standard's
      // max_retries of 3, so the job row's bound is reached first), retries after 200 ms, 400 ms, ...
      CERTCTL_ISSUANCE_ATTEMPTS: '4',
      CERTCTL_ISSUANCE_BACKOFF_MS: '200',
      // Empty counts as unset: every service must start with it.
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      CERTCTL_BOOTSTRAP_ADMIN_KEY: adminKey,
      // Generous enough for the suites; the rate-limit test bursts past it with its own key.
      CERTCTL_RATE_LIMIT_RPS: '200',
      CERTCTL_RATE_LIMIT_BURST: '300',
      // Every suite's ACME accounts and OCSP requests come from 127.0.0.1: generous here; the
      // limits are proved by public-edges.e2e-spec.ts, which restarts acme and revocation with low ones.
      CERTCTL_ACME_RATE_NEW_ACCOUNTS_PER_IP_PER_HOUR: '100000',
      CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE: '100000',
      CERTCTL_CORS_ORIGINS: 'https://console.example.com',
      CERTCTL_MAX_BODY_BYTES: '65536',
      CERTCTL_ADMIN_KEY_FILE: join(E2E_DIR, 'admin-api-key'),
      // Scheduler loops every second, renewals spread over at most a second, notification retries in 0.2 s steps.
      CERTCTL_SCHEDULER_RENEWAL_INTERVAL_MS: '1000',
      CERTCTL_SCHEDULER_EXPIRY_ALERT_INTERVAL_MS: '1000',
      // The other loops every 2 s too, so a first run that met a service still starting is retried
      // soon; Expiring is left off (1-day test certificates would be Expiring at once), Expired stays on.
      CERTCTL_SCHEDULER_EXPIRY_STATUS_INTERVAL_MS: '2000',
      CERTCTL_EXPIRING_WITHIN_DAYS: '0',
      CERTCTL_SCHEDULER_AGENT_OFFLINE_INTERVAL_MS: '2000',
      CERTCTL_SCHEDULER_JOB_REAPER_INTERVAL_MS: '2000',
      CERTCTL_SCHEDULER_CRL_REFRESH_INTERVAL_MS: '2000',
      CERTCTL_SCHEDULER_ACME_GC_INTERVAL_MS: '2000',
      CERTCTL_SCHEDULER_HEALTH_CHECK_INTERVAL_MS: '1000',
      CERTCTL_SCHEDULER_NETWORK_SCAN_INTERVAL_MS: '1000',
      CERTCTL_SCHEDULER_REISSUANCE_INTERVAL_MS: '1000',
      CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS: '127.0.0.0/8', // discovery.e2e-spec.ts scans its own TLS servers on loopback
      CERTCTL_RENEWAL_JITTER_MAX_MS: '1000',
      CERTCTL_NOTIFY_BACKOFF_BASE_MS: '200',
      CERTCTL_NOTIFY_BACKOFF_MAX_MS: '1000',
      CERTCTL_NOTIFY_RECONCILE_INTERVAL_MS: '1000',
      CERTCTL_NOTIFY_STALLED_MS: '5000',
    };
    // The demo enrollment secrets of this database go to the e2e folder, not over `npm start`'s.
    execFileSync(process.execPath, [join(ROOT, 'dist', 'tools', 'seed.js')], {
      env: { ...env, CERTCTL_SEED_SECRETS_DIR: E2E_DIR },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // The suites order names under .test (RFC 6761, resolved by the test DNS server below), which
    // ACME refuses unless the profile allows internal names: the default profile does here.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`UPDATE certificate_profiles SET allow_internal_names = true WHERE id = 'prof-standard-tls'`);
    await db.end();
    const offset = e2ePortOffset();
    const ports = servicePorts({}, offset);
    // ACME validation: names resolve through the test's own DNS server (every name → 127.0.0.1
    // unless a test says otherwise), and the clients answer http-01/tls-alpn-01 on these ports.
    const challenge = await spawnChallengeTestServer({ dnsPort: 0, managementPort: 0 });
    helpers.push(challenge.pid);
    const acme = {
      http01Port: 5002 + offset,
      tlsAlpn01Port: 5001 + offset,
      pid: challenge.pid,
      dnsPort: challenge.dnsPort,
      managementPort: challenge.managementPort,
    };
    env.CERTCTL_ACME_DNS_SERVER = `127.0.0.1:${challenge.dnsPort}`;
    env.CERTCTL_ACME_HTTP01_PORT = String(acme.http01Port);
    env.CERTCTL_ACME_TLSALPN01_PORT = String(acme.tlsAlpn01Port);
    env.CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES = 'true';
    env.CERTCTL_NOTIFY_ALLOW_PRIVATE_ADDRESSES = 'true'; // the suites' webhook and SMTP receivers listen on 127.0.0.1
    env.CERTCTL_ACME_VALIDATION_TIMEOUT_MS = '5000';
    const tls = { port: 8443 + offset, dir: join(E2E_DIR, 'tls') };
    env.CERTCTL_GATEWAY_TLS_PORT = String(tls.port);
    env.CERTCTL_GATEWAY_METRICS_PORT = String(8087 + offset);
    env.CERTCTL_DATA_DIR = E2E_DIR;
    env.CERTCTL_ACME_CONNECTOR_ALLOW_HTTP = 'true'; // acme issuers pointed at this stack's plain-http gateway
    env.CERTCTL_PUBLIC_BASE_URL = `http://127.0.0.1:${ports.gateway}`;
    env.CERTCTL_ACME_URL = `http://127.0.0.1:${ports.acme}`;
    env.CERTCTL_REVOCATION_URL = `http://127.0.0.1:${ports.revocation}`;
    Object.assign(env, readinessUrls(ports)); // GET /api/v1/system/readiness, also after a restarted gateway
    env.CERTCTL_SCRIPT_CONNECTOR_DIRS = join(ROOT, 'apps', 'issuance', 'test', 'fixtures'); // issuer-connectors.e2e-spec.ts
    // A busy 2-core machine can need more than a minute to start seven services at once.
    const readyTimeoutMs = Number(process.env.CERTCTL_E2E_READY_TIMEOUT_MS ?? 180000);
    // The fault tier's slow and stalled dependencies (tools/testing/faults.sh): the services reach
    // PostgreSQL, Redis and NATS through fault proxies its specs switch (faults/fault-proxies.ts).
    const faultProxies = process.env.CERTCTL_FAULT_PROXIES === '1' ? await proxyDependencies(env, E2E_DIR) : undefined;
    if (faultProxies) helpers.push(faultProxies.pid);
    const stack = await startStack({ env, ports, logDir, timeoutMs: readyTimeoutMs });
    const pids = Object.fromEntries(Object.entries(stack.children).map(([name, c]) => [name, c.pid!]));
    await waitHttpsReady(`https://localhost:${tls.port}/health`, join(tls.dir, 'ca.pem'), 60000).catch(async (err: unknown) => {
      await stack.stop();
      throw err;
    });
    writeState({ env, ports, tls, pids, logDir, adminKey, natsPid: nats.pid, acme, ...(faultProxies ? { faultProxies } : {}) });
    process.stderr.write(`\n[e2e] stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (gateway :${ports.gateway}, logs ${logDir})\n`);
  } catch (err) {
    for (const pid of helpers) stopPid(pid);
    throw err;
  }
}

function stopPid(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
