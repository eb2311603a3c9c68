import type { Prisma, PrismaService } from '@certctl/database';

/**
 * Runs `work` in one transaction that first takes the PostgreSQL advisory lock `key`
 * (released at commit or rollback): writers of the same key across replicas run one at a time.
 * For repositories only.
 */
export function inAdvisoryLock<T>(
  db: PrismaService,
  key: string,
  timeoutMs: number,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return db.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
      return work(tx);
    },
    { timeout: timeoutMs, maxWait: 30_000 },
  );
}
