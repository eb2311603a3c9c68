import { Injectable } from '@nestjs/common';
import { PrismaService } from '@certctl/database';

/** The time-driven, set-based status changes: agents gone quiet, certificates expiring or expired. */
@Injectable()
export class MaintenanceRepository {
  constructor(private readonly db: PrismaService) {}

  /** Online agents without a heartbeat since `before` become offline; returns their ids. */
  async markAgentsOffline(before: Date): Promise<string[]> {
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE agents SET status = 'offline'
      WHERE status = 'online' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < ${before})
      RETURNING id`;
    return rows.map((row) => row.id);
  }

  /** Certificates past their expiry, in one of the statuses `from`, become expired. */
  markExpired(from: string[]): Promise<{ id: string; expires_at: Date }[]> {
    return this.db.$queryRaw<{ id: string; expires_at: Date }[]>`
      UPDATE certificates SET status = 'expired', updated_at = now()
      WHERE expires_at < now() AND status::text = ANY(${from}::text[])
      RETURNING id, expires_at`;
  }

  /** Active certificates expiring before `horizon` become expiring; returns how many. */
  markExpiring(horizon: Date): Promise<number> {
    return this.db.$executeRaw`
      UPDATE certificates SET status = 'expiring', updated_at = now()
      WHERE expires_at >= now() AND expires_at < ${horizon} AND status = 'active'`;
  }
}
