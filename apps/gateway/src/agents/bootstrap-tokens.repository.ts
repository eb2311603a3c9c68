import { Injectable } from '@nestjs/common';
import { type AgentBootstrapTokenRow, PrismaService } from '@certctl/database';

export type NewBootstrapToken = Pick<AgentBootstrapTokenRow, 'id' | 'tokenHash' | 'namePrefix' | 'usesLeft' | 'expiresAt' | 'createdBy'>;

/** The agent_bootstrap_tokens table (the gateway's): tokens are stored as their SHA-256 only. */
@Injectable()
export class BootstrapTokensRepository {
  constructor(private readonly db: PrismaService) {}

  insert(token: NewBootstrapToken): Promise<AgentBootstrapTokenRow> {
    return this.db.agentBootstrapToken.create({ data: token });
  }

  /** A page in id order, after `afterId`. */
  list(afterId: string | undefined, take: number): Promise<AgentBootstrapTokenRow[]> {
    return this.db.agentBootstrapToken.findMany({
      where: afterId ? { id: { gt: afterId } } : {},
      orderBy: { id: 'asc' },
      take,
    });
  }

  findByHash(tokenHash: string): Promise<AgentBootstrapTokenRow | null> {
    return this.db.agentBootstrapToken.findUnique({ where: { tokenHash } });
  }

  /** False when there was no such token. */
  async delete(id: string): Promise<boolean> {
    const { count } = await this.db.agentBootstrapToken.deleteMany({ where: { id } });
    return count > 0;
  }

  /**
   * Takes one use of a live token in one conditional UPDATE: of two concurrent exchanges
   * of a last use, exactly one gets the row. Null when unknown, expired or used up.
   */
  async consume(tokenHash: string): Promise<AgentBootstrapTokenRow | null> {
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE agent_bootstrap_tokens SET uses_left = uses_left - 1, last_used_at = now()
      WHERE token_hash = ${tokenHash} AND uses_left > 0 AND expires_at > now()
      RETURNING id`;
    return rows.length ? this.db.agentBootstrapToken.findUnique({ where: { id: rows[0].id } }) : null;
  }

  /** Gives back a use taken by an exchange that then failed (a taken agent name). */
  async refund(id: string): Promise<void> {
    await this.db.agentBootstrapToken.update({ where: { id }, data: { usesLeft: { increment: 1 } } });
  }
}
