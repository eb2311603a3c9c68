import { Injectable } from '@nestjs/common';
import { PrismaService } from '@certctl/database';

/**
 * The digest ledger, the once-per-day key of the digest: one `scheduler_digests` row per UTC day. A replica
 * claims the day before building the digest and marks it sent after the notifications
 * service took it; a day already sent is never claimed again (a restart, another replica).
 * A claim whose holder died before sending lapses after `staleAfterMs`; a failed attempt
 * releases its claim so the next run retries. The notification dedupe key `digest:<day>`
 * is the second guard: even two claims that raced would create one row per channel.
 */
@Injectable()
export class DigestRepository {
  constructor(private readonly db: PrismaService) {}

  /** True when `holder` may send the day's digest now. */
  async claim(date: string, holder: string, staleAfterMs: number): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ holder: string }[]>`
      INSERT INTO scheduler_digests (digest_date, holder, claimed_at)
      VALUES (${date}::date, ${holder}, now())
      ON CONFLICT (digest_date) DO UPDATE SET holder = EXCLUDED.holder, claimed_at = EXCLUDED.claimed_at
      WHERE scheduler_digests.sent_at IS NULL
        AND (scheduler_digests.holder = EXCLUDED.holder
             OR scheduler_digests.claimed_at < now() - ${staleAfterMs} * interval '1 millisecond')
      RETURNING holder`;
    return rows.length === 1;
  }

  async markSent(date: string, holder: string, notifications: number, summary: Record<string, number>): Promise<void> {
    await this.db.$executeRaw`
      UPDATE scheduler_digests SET sent_at = now(), notifications = ${notifications}, summary = ${JSON.stringify(summary)}::jsonb
      WHERE digest_date = ${date}::date AND holder = ${holder} AND sent_at IS NULL`;
  }

  /** Gives the day back after a failed attempt, so the next run (on any replica) retries it. */
  async release(date: string, holder: string): Promise<void> {
    await this.db.$executeRaw`
      DELETE FROM scheduler_digests WHERE digest_date = ${date}::date AND holder = ${holder} AND sent_at IS NULL`;
  }
}
