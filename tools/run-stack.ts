// Foreground runner for `npm start`: starts the seven services, waits for readiness,
// prints where everything is, and stops them all (gracefully) on Ctrl-C or SIGTERM.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  adminKeyFile,
  dataDir,
  startService,
  startSingleProcess,
  startSingleProcessStack,
  startStack,
  supervise,
  waitHttpsReady,
} from '@certctl/testing';

const sinceIdx = process.argv.indexOf('--since');
const since = sinceIdx > 0 ? Number(process.argv[sinceIdx + 1]) * 1000 : Date.now();
const t0 = Date.now();
/** CERTCTL_SINGLE_PROCESS=1: the seven services in one Node process (tools/single-process.ts), for small installs. */
const single = /^(1|true|yes)$/i.test(process.env.CERTCTL_SINGLE_PROCESS ?? '');

/**
 * What the runner supervises: one process per service, or the one process of all seven. `start`
 * starts one of them again the same way.
 */
interface Running {
  children: Record<string, ServiceProcess>;
  ports: Record<ServiceName, number>;
  logDir: string;
  logs: string;
  start(name: string): ServiceProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

async function startAll(): Promise<Running> {
  // CERTCTL_START_TIMEOUT_MS: how long each service may take to become ready (a busy machine needs more).
  const timeoutMs = Number(process.env.CERTCTL_START_TIMEOUT_MS) || (single ? 120000 : 60000);
  if (single) {
    const stack = await startSingleProcessStack({ timeoutMs });
    const children = { platform: stack.child };
    return {
      children,
      ports: stack.ports,
      logDir: stack.logDir,
      logs: `${stack.logDir}/platform.log (every service, one process)`,
      start: () => startSingleProcess({ env: stack.env, logDir: stack.logDir }),
      async stop(signal: NodeJS.Signals = 'SIGTERM') {
        const child = children.platform;
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await child.exited;
      },
    };
  }
  const stack = await startStack({ timeoutMs });
  return {
    children: stack.children,
    ports: stack.ports,
    logDir: stack.logDir,
    logs: `${stack.logDir}/<service>.log`,
    start: (name) => startService(name as ServiceName, { env: stack.env, port: stack.ports[name as ServiceName], logDir: stack.logDir }),
    stop: stack.stop,
  };
}

async function main(): Promise<void> {
  let stack: Running;
  try {
    stack = await startAll();
  } catch (err) {
    console.error(`[start] ${(err as Error).message}`);
    process.exit(1);
  }
  // `npm stop` ends exactly these processes (by PID file), never by a name pattern.
  const pidFile = join(dataDir(), 'run-stack.pid');
  const servicePidFile = join(dataDir(), 'services.pids');
  writeFileSync(pidFile, `${process.pid}\n`);
  const writeServicePids = () =>
    writeFileSync(
      servicePidFile,
      Object.values(stack.children)
        .map((c) => `${c.pid}\n`)
        .join(''),
    );
  writeServicePids();
  const host = process.env.CERTCTL_HOST ?? '127.0.0.1';
  const tlsPort = Number(process.env.CERTCTL_GATEWAY_TLS_PORT || 0);
  const caFile = process.env.CERTCTL_GATEWAY_TLS_CERT_FILE ? undefined : join(dataDir(), 'tls', 'ca.pem');
  let https = '';
  if (tlsPort > 0 && caFile) {
    try {
      await waitHttpsReady(`https://localhost:${tlsPort}/health`, caFile, 30000);
      https = `https://localhost:${tlsPort}`;
    } catch (err) {
      console.error(`[start] HTTPS: ${(err as Error).message}; see ${stack.logDir}/gateway.log`);
    }
  }
  console.log(
    `\n[start] all ${SERVICES.length} services ready${single ? ` in one process (pid ${stack.children.platform!.pid})` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${((Date.now() - since) / 1000).toFixed(1)} s since npm start)`,
  );
  console.log(`\n  Dashboard    http://${host}:${stack.ports.gateway}/${https ? `   ${https}/` : ''}   (docs/dashboard.md)`);
  console.log(`  REST API     http://${host}:${stack.ports.gateway}/api/v1   (e.g. /api/v1/certificates)`);
  if (https) console.log(`  HTTPS        ${https}/api/v1   CA bundle: ${caFile}   (docs/tls.md)`);
  else if (tlsPort > 0 && !caFile) console.log(`  HTTPS        https://<a name in your certificate>:${tlsPort}/api/v1`);
  const gatewayMetrics = process.env.CERTCTL_GATEWAY_METRICS_PORT || '8087';
  for (const s of SERVICES) {
    const metrics = s.name === 'gateway' ? `(metrics on :${gatewayMetrics}/metrics)` : '/metrics';
    console.log(`  ${s.name.padEnd(13)} http://${host}:${stack.ports[s.name]}/health  /ready  ${metrics}`);
  }
  const keyFile = adminKeyFile();
  console.log(`\n  admin API key: ${existsSync(keyFile) ? keyFile : 'the CERTCTL_BOOTSTRAP_ADMIN_KEY you set at first start'}`);
  console.log(`  logs:          ${stack.logs}`);
  console.log(
    `  example:       curl -H "Authorization: Bearer $(cat ${keyFile})" http://${host}:${stack.ports.gateway}/api/v1/certificates`,
  );
  if (https)
    console.log(`  over HTTPS:    curl --cacert ${caFile} -H "Authorization: Bearer $(cat ${keyFile})" ${https}/api/v1/certificates`);
  console.log('\n  Ctrl-C stops the services; `npm stop` also stops PostgreSQL, Redis and NATS.\n');

  // A service (or the one process of all, in single-process mode) that dies is started again
  // (1 s, 2 s, 4 s ... 30 s apart); more than 5 crashes in a minute and it stays down, said
  // loudly. Its leased work is redelivered to it.
  const logOf = (name: string) => (single ? `${stack.logDir}/platform.log` : `${stack.logDir}/${name}.log`);
  const supervisor = supervise(stack.children, (name) => stack.start(name), {
    crashed: (name, { code, signal }, decision) =>
      console.error(
        `[start] ${name} exited (code ${code}, signal ${signal}); ${decision.action === 'restart' ? `restarting in ${decision.delayMs / 1000} s` : 'not restarting'} (crash ${decision.crashesInWindow} within a minute); see ${logOf(name)}`,
      ),
    restarted: (name, child) => {
      writeServicePids();
      console.error(`[start] ${name} started again (pid ${child.pid})`);
    },
    gaveUp: (name, crashes) =>
      console.error(
        `[start] ${name} crashed ${crashes} times within a minute: GIVING UP on it; the platform runs without ${name} until you fix it and restart (see ${logOf(name)})`,
      ),
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    supervisor.stop();
    console.log(`[start] ${signal}: stopping services`);
    await stack.stop('SIGTERM');
    rmSync(pidFile, { force: true });
    rmSync(servicePidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
