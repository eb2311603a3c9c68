// The single-process mode for small installs (`CERTCTL_SINGLE_PROCESS=1 npm start`, docs/operations.md
// "One process for small installs"): the seven service bundles (dist/apps/<service>/main.js, the same
// files each service runs alone) loaded into this one Node process, so the modules they share
// (NestJS, Fastify, Prisma, BullMQ, NATS, OpenTelemetry) are loaded once instead of seven times.
// Each service keeps its own port, configuration, bus identity, connections, logger and metrics.
//
// Configuration is read from the environment when a service starts, so the services start one
// after the other, each with its own environment (its NATS user and principal keys from the bus
// credentials file, as `npm start` gives each process), and the next starts once it listens.
// SIGTERM/SIGINT stop every service gracefully, then the process exits.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setProcessHost } from '@certctl/platform';
import { ROOT, SERVICES, portVar, serviceEnv, servicePorts, stackEnv } from '@certctl/testing';

/** Loads a service bundle (CommonJS) into this process: its main starts the service. */
const loadBundle = createRequire(__filename);
const log = (msg: string) => process.stdout.write(`[single-process] ${msg}\n`);

/** Makes `env` the whole of process.env (the object stays Node's own, with its string coercion). */
function replaceEnv(env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const ports = servicePorts(process.env);
  const base = stackEnv(ports, process.env);
  const services = SERVICES.map((s) => s.name);
  const stops = new Map<string, (signal: string) => Promise<void>>();
  let listening: ((service: string) => void) | undefined;
  setProcessHost({
    started(service, stop) {
      stops.set(service, stop);
      listening?.(service);
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping ${[...stops.keys()].join(', ')}`);
    const timeoutMs = Number(base.CERTCTL_SHUTDOWN_TIMEOUT_MS) || 25000;
    const force = setTimeout(() => {
      log(`graceful shutdown took over ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs);
    force.unref();
    const results = await Promise.allSettled([...stops.values()].map((stop) => stop(signal)));
    const failed = results.filter((r) => r.status === 'rejected');
    for (const r of failed) log(`a service failed to stop cleanly: ${String((r as PromiseRejectedResult).reason)}`);
    process.exit(failed.length ? 1 : 0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  for (const name of services) {
    replaceEnv({ ...serviceEnv(name, base), [portVar(name)]: String(ports[name]) });
    const up = new Promise<void>((resolve) => {
      listening = (service) => service === name && resolve();
    });
    // A service that cannot start says why and exits the process (as it would exit its own).
    loadBundle(join(ROOT, 'dist', 'apps', name, 'main.js'));
    await up;
    if (stopping) return;
  }
  // What the services read later (few things) is what they share; no service's bus secrets stay in it.
  const { CERTCTL_BUS_CREDENTIALS_FILE: _secrets, ...shared } = base;
  replaceEnv(shared);
  log(`${services.length} services listening in one process (pid ${process.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  log(`start failed: ${(err as Error).message}`);
  process.exit(1);
});
