import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { PrismaService } from '@certctl/database';

/**
 * One lease row per loop in scheduler_leases: the replica that holds an unexpired lease
 * runs the loop; others skip until it lapses (a dead leader is replaced after the TTL).
 * Correctness does not depend on it: jobs and alerts are also deduplicated by unique keys.
 */
@Injectable()
export class LeaseService {
  readonly holder = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(private readonly db: PrismaService) {}

  async tryAcquire(name: string, ttlMs: number, holder = this.holder): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ holder: string }[]>`
      INSERT INTO scheduler_leases (name, holder, expires_at)
      VALUES (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
      WHERE scheduler_leases.expires_at < now() OR scheduler_leases.holder = EXCLUDED.holder
      RETURNING holder`;
    return rows.length === 1;
  }

  async release(name: string, holder = this.holder): Promise<void> {
    await this.db.$executeRaw`DELETE FROM scheduler_leases WHERE name = ${name} AND holder = ${holder}`;
  }
}
