// Benchmark: the scheduler's renewal scan over a large fleet, and notification delivery
// throughput to a local webhook. Runs against the local infrastructure (tools/infra) with
// its own database, Redis logical database 4 and NATS server; inventory and notifications
// run as real services from their bundles, the scheduler in this process.
// Usage: node loadtest/renewal-scan.mjs [--certificates 100000] [--notifications 2000]
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import IORedis from 'ioredis';
import { type Alert, NotificationRpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import {
  ROOT,
  type ServiceProcess,
  createTestDatabase,
  ensureInfra,
  freePort,
  infraEnv,
  seedFleet,
  startNatsServer,
  startService,
  waitReady,
} from '@certctl/testing';
import { schedulerModule } from '../../apps/scheduler/src/app.module';
import { schedulerEnvSchema } from '../../apps/scheduler/src/config';
import { RenewalScanService } from '../../apps/scheduler/src/renewal/renewal-scan.service';

const { values } = parseArgs({
  options: {
    certificates: { type: 'string', default: '100000' },
    notifications: { type: 'string', default: '2000' },
    out: { type: 'string' },
  },
});
const CERTS = Number(values.certificates);
const NOTIFS = Number(values.notifications);
const DUE_EVERY = 100;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

async function main(): Promise<void> {
  ensureInfra();
  const base = infraEnv();
  const nats = await startNatsServer();
  const databaseUrl = await createTestDatabase('certctl_bench', base.DATABASE_URL);
  const redisUrl = `${base.REDIS_URL.replace(/\/\d*$/, '')}/4`;
  const redis = new IORedis(redisUrl);
  await redis.flushdb();
  await redis.quit();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    NATS_URL: nats.url,
    CERTCTL_BUS_CREDENTIALS_FILE: nats.secretsFile, // each service connects as its own NATS user
    CERTCTL_ENCRYPTION_KEY: 'benchmark-encryption-key-0123456789abcdef',
    CERTCTL_NOTIFY_CONCURRENCY: '50',
  };
  const services: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(
      services.map(async (c) => {
        if (c.exitCode === null) c.kill('SIGTERM');
        await c.exited;
      }),
    );
    await nats.stop();
  };
  try {
    for (const name of ['inventory', 'notifications'] as const) {
      const port = await freePort();
      const child = startService(name, { env, port, logDir: join(ROOT, '.local', 'logs', 'bench') });
      services.push(child);
      await waitReady(`http://127.0.0.1:${port}/ready`, 30000, () => child.exitCode === null);
    }
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const [, seedMs] = await timed(() => seedFleet(db, { count: CERTS, prefix: 'bench', dueEvery: DUE_EVERY }));

    const ctx = await NestFactory.createApplicationContext(
      schedulerModule(schedulerEnvSchema.parse({ ...env, ...nats.envFor('scheduler'), CERTCTL_SCHEDULER_LOOPS: 'none' })),
      {
        logger: false,
      },
    );
    await ctx.init();
    const scan = ctx.get(RenewalScanService);
    const [first, firstMs] = await timed(() => scan.renewalScan());
    const [second, secondMs] = await timed(() => scan.renewalScan());
    const [alerts, alertMs] = await timed(() => scan.expiryAlertScan());
    await ctx.close();

    // Notification delivery throughput to a local webhook.
    let received = 0;
    const hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const rpc = new RpcClient(nats.driverOptions(30000)); // plays the gateway and the scheduler
    await rpc.onModuleInit();
    const actor = { principal: 'bench', role: 'admin' };
    const ch = await rpc.request(NotificationRpc.channelCreate, {
      actor,
      channel: {
        name: 'bench-hook',
        type: 'webhook',
        config: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/` },
        secret: 'bench-secret',
      },
    });
    await rpc.request(NotificationRpc.ruleCreate, { actor, rule: { name: 'bench', events: ['agent.offline'], channel_ids: [ch.id] } });
    const batch: Alert[] = Array.from({ length: NOTIFS }, (_, i) => ({
      event: 'agent.offline',
      severity: 'warning',
      subject: `agent ${i} offline`,
      message: `agent ${i} sent no heartbeat`,
      dedupe_key: `bench:${i}`,
    }));
    const [, deliverMs] = await timed(async () => {
      for (let i = 0; i < batch.length; i += 1000) await rpc.request(NotificationRpc.dispatch, { alerts: batch.slice(i, i + 1000) });
      for (;;) {
        const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM notification_events WHERE status = 'sent'");
        if (rows[0]!.n >= NOTIFS) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await rpc.onApplicationShutdown();
    await new Promise((r) => hook.close(r));
    await db.end();

    const result = {
      scenario: 'renewal-scan',
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      certificates: CERTS,
      seed_ms: Math.round(seedMs),
      renewal_scan_first: { ms: Math.round(firstMs), ...first },
      renewal_scan_repeat: { ms: Math.round(secondMs), ...second },
      expiry_alert_scan: { ms: Math.round(alertMs), ...alerts },
      notifications: {
        count: NOTIFS,
        delivered_to_webhook: received,
        ms: Math.round(deliverMs),
        per_second: Math.round((NOTIFS / deliverMs) * 1000),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (values.out) (await import('node:fs')).writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  } finally {
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
