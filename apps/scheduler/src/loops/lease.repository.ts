import { Injectable } from '@nestjs/common';
import { PrismaService } from '@certctl/database';

/** The `scheduler_leases` table: one row per loop, held by one replica until it expires. */
@Injectable()
export class LeaseRepository {
  constructor(private readonly db: PrismaService) {}

  /** Takes the lease `name` for `ttlMs` when it is free, expired or already `holder`'s; true when `holder` holds it now. */
  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ holder: string }[]>`
      INSERT INTO scheduler_leases (name, holder, expires_at)
      VALUES (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE scheduler_leases.expires_at < now() OR scheduler_leases.holder = EXCLUDED.holder
      RETURNING holder`;
    return rows.length === 1;
  }

  /** Gives the lease up if `holder` holds it. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.$executeRaw`DELETE FROM scheduler_leases WHERE name = ${name} AND holder = ${holder}`;
  }
}
