import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import {
  AppError,
  type agentBootstrapBodySchema,
  type bootstrapTokenSchema,
  type createBootstrapTokenBodySchema,
} from '@certctl/contracts';
import { type AgentBootstrapTokenRow, decodeIdCursor, encodeIdCursor, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { hashApiKey } from '../auth/key-material';
import type { Principal } from '../auth/principal';
import { AgentEnrolment } from './agent-enrolment';
import { BootstrapTokensRepository } from './bootstrap-tokens.repository';

/** Bootstrap tokens are `cbt_` + 256 random bits, stored as their SHA-256 like API keys. */
export const BOOTSTRAP_TOKEN_PREFIX = 'cbt_';
/** The one answer to every refused token: which of unknown, expired or used it was is not told. */
const REFUSED = 'The bootstrap token is unknown, expired or used up.';

type TokenDto = z.infer<typeof bootstrapTokenSchema>;

export function toBootstrapTokenDto(row: AgentBootstrapTokenRow, now = Date.now()): TokenDto {
  return {
    id: row.id,
    name_prefix: row.namePrefix,
    uses_left: row.usesLeft,
    status: row.usesLeft <= 0 ? 'used' : row.expiresAt.getTime() <= now ? 'expired' : 'active',
    expires_at: row.expiresAt.toISOString(),
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** Why this token cannot enrol an agent named `name` (null: it can). */
export function bootstrapRefusal(row: AgentBootstrapTokenRow | null, name: string, now = Date.now()): AppError | null {
  if (!row || toBootstrapTokenDto(row, now).status !== 'active') return new AppError('unauthorized', REFUSED);
  if (row.namePrefix && !name.startsWith(row.namePrefix)) {
    return AppError.validation([{ field: 'name', message: `must start with ${JSON.stringify(row.namePrefix)} (the token's name prefix)` }]);
  }
  return null;
}

/** Minting, listing and revoking bootstrap tokens, and exchanging one for an agent and its API key. */
@Injectable()
export class BootstrapTokensService {
  constructor(
    private readonly tokens: BootstrapTokensRepository,
    private readonly enrolment: AgentEnrolment,
  ) {}

  async create(body: z.output<typeof createBootstrapTokenBodySchema>, creator: Principal): Promise<TokenDto & { token: string }> {
    const token = BOOTSTRAP_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.tokens.insert({
      id: newId('bst'),
      tokenHash: hashApiKey(token),
      namePrefix: body.name_prefix ?? null,
      usesLeft: body.uses,
      expiresAt: new Date(Date.now() + body.expires_in_seconds * 1000),
      createdBy: creator.principal,
    });
    return { ...toBootstrapTokenDto(row), token };
  }

  async list(query: { limit: number; cursor?: string }): Promise<{ data: TokenDto[]; next_cursor: string | null }> {
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const rows = await this.tokens.list(after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      data: page.map((row) => toBootstrapTokenDto(row)),
      next_cursor: rows.length > query.limit && last ? encodeIdCursor(last.id) : null,
    };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.tokens.delete(id))) throw AppError.notFound('bootstrap token', id);
  }

  /**
   * One use of the token buys one agent and its key. The use is taken atomically before
   * the agent is created and given back when the creation fails (a taken name).
   */
  async exchange(token: string | undefined, body: z.output<typeof agentBootstrapBodySchema>) {
    if (!token || !token.startsWith(BOOTSTRAP_TOKEN_PREFIX) || token.length > 256) throw new AppError('unauthorized', REFUSED);
    const hash = hashApiKey(token);
    const refusal = bootstrapRefusal(await this.tokens.findByHash(hash), body.name);
    if (refusal) throw refusal;
    const taken = await this.tokens.consume(hash);
    if (!taken) throw new AppError('unauthorized', REFUSED);
    const actor = { principal: `bootstrap:${taken.id}`, role: 'bootstrap' };
    try {
      const enrolled = await this.enrolment.enrol(body, actor, null);
      getLogger().info({ agent_id: enrolled.id, token_id: taken.id }, 'agent bootstrapped');
      return { ...enrolled, token_id: taken.id };
    } catch (err) {
      await this.tokens.refund(taken.id);
      throw err;
    }
  }
}
