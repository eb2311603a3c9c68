import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');
export interface DatabaseOptions {
  url: string;
  poolSize?: number;
}

/** How long one query may wait for its answer (CERTCTL_DATABASE_QUERY_TIMEOUT_MS, 30 s by default). */
export function queryTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.CERTCTL_DATABASE_QUERY_TIMEOUT_MS ?? 30000);
  return Number.isFinite(ms) && ms > 0 ? ms : 30000;
}

/** node-postgres's error for a query that got no answer within query_timeout. */
export const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * A pool connection that is closed once one of its queries timed out: the server (or the network
 * to it) did not answer, so the connection is not trusted again. Without this, node-postgres
 * keeps the timed-out query active on the connection and an interactive transaction gives the
 * connection back to the pool as it is, where every later query would wait behind it.
 */
export class StallSafeClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // An error the server sends while no query of this connection is running (PostgreSQL shutting
    // down or killed: 57P01 "terminating connection") is emitted as an 'error' event. The pool
    // listens only while the connection is idle in it; checked out between two statements, an
    // event without a listener would end the whole process. The connection is then marked not
    // queryable: its next query fails (an outage to the caller) and the pool drops it on release.
    this.on('error', () => undefined);
  }

  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (err: unknown) => {
        if ((err as Error | undefined)?.message === QUERY_TIMEOUT_MESSAGE) this.end().catch(() => undefined);
      });
    }
    return result as never;
  }
}

/**
 * node-postgres under Prisma: a bounded wait for a connection (5 s, pool slot included), a
 * bounded wait for each answer (queryTimeoutMs: a stalled database fails the query, which
 * isDatabaseUnavailable counts as an outage, instead of hanging a request or a job), TCP
 * keepalive (a peer gone without a word is noticed by the kernel), and connections closed after
 * a timeout (StallSafeClient).
 */
export function poolConfig(options: DatabaseOptions, env: NodeJS.ProcessEnv = process.env): pg.PoolConfig {
  return {
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    query_timeout: queryTimeoutMs(env),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10000,
    Client: StallSafeClient,
  };
}

function adapter(options: DatabaseOptions): PrismaPg {
  return new PrismaPg(poolConfig(options));
}

/** A standalone client, for scripts (seed) and tests. */
export function createPrismaClient(options: DatabaseOptions): PrismaClient {
  return new PrismaClient({ adapter: adapter(options) });
}

/** The Prisma client (driver adapter on node-postgres) as a Nest provider. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(DATABASE_OPTIONS) options: DatabaseOptions) {
    super({ adapter: adapter(options) });
  }

  /**
   * Waits for the database at start (up to CERTCTL_DATABASE_CONNECT_TIMEOUT_MS, 60 s by default), like the
   * bus connection: a service started beside a busy or just-starting PostgreSQL retries
   * instead of exiting on the first connection timeout.
   */
  async onModuleInit(): Promise<void> {
    await waitForDatabase(() => this.ping(), Number(process.env.CERTCTL_DATABASE_CONNECT_TIMEOUT_MS ?? 60000));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }

  async ping(): Promise<void> {
    await this.$queryRaw`SELECT 1`;
  }
}

/** Retries `ping` (1 s apart) until it answers or `timeoutMs` has passed; then throws the last error. */
export async function waitForDatabase(ping: () => Promise<void>, timeoutMs: number, pauseMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ping();
      return;
    } catch (err) {
      if (Date.now() + pauseMs > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
