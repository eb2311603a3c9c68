import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');
export interface DatabaseOptions {
  url: string;
  poolSize?: number;
}

function adapter(options: DatabaseOptions): PrismaPg {
  return new PrismaPg({ connectionString: options.url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
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
