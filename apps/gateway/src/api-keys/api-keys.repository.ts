import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type ApiKeyRow, DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

/** Which keys a page lists (the REST list's filters, already parsed). */
export interface ApiKeyFilter {
  status?: 'active' | 'disabled' | 'expired';
  role?: ApiKeyRow['role'];
  /** Keys created after this (created_at, id) position. */
  after?: { at: Date; id: string };
  limit: number;
}

/** The columns of a new key; the rest take their database defaults. */
export type NewApiKey = Pick<
  ApiKeyRow,
  'id' | 'createdBy' | 'ownerKeyId' | 'name' | 'principal' | 'role' | 'agentId' | 'keyHash' | 'keyPrefix' | 'expiresAt'
>;

/** The api_keys table: every read and write of the gateway's named API keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: PrismaService) {}

  findByHash(keyHash: string): Promise<ApiKeyRow | null> {
    return this.db.apiKey.findUnique({ where: { keyHash } });
  }

  findById(id: string): Promise<ApiKeyRow | null> {
    return this.db.apiKey.findUnique({ where: { id } });
  }

  /** A second key with the same name is a `conflict` naming the field. */
  insert(key: NewApiKey): Promise<ApiKeyRow> {
    return translateDbErrors(() => this.db.apiKey.create({ data: key }), {
      [DbErrorCode.UniqueViolation]: () =>
        new AppError('conflict', `an API key named ${JSON.stringify(key.name)} already exists`, {
          fields: [{ field: 'name', message: 'must be unique' }],
        }),
    });
  }

  /** Up to `limit + 1` keys in creation order (the extra one tells the caller a next page exists). */
  findPage(filter: ApiKeyFilter, now: Date): Promise<ApiKeyRow[]> {
    const { after } = filter;
    return this.db.apiKey.findMany({
      where: {
        AND: [
          statusWhere(filter.status, now),
          filter.role ? { role: filter.role } : {},
          after ? { OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] } : {},
        ],
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: filter.limit + 1,
    });
  }

  setDisabledAt(id: string, disabledAt: Date | null): Promise<ApiKeyRow> {
    return this.db.apiKey.update({ where: { id }, data: { disabledAt } });
  }

  replaceSecret(id: string, keyHash: string, keyPrefix: string): Promise<ApiKeyRow> {
    return this.db.apiKey.update({ where: { id }, data: { keyHash, keyPrefix } });
  }

  async deleteById(id: string): Promise<void> {
    await this.db.apiKey.delete({ where: { id } });
  }

  /** Admin keys other than `exceptId` that work now (not disabled, not expired). */
  countOtherActiveAdmins(exceptId: string, now: Date): Promise<number> {
    return this.db.apiKey.count({
      where: { role: 'admin', disabledAt: null, id: { not: exceptId }, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    });
  }

  async recordLastUsed(id: string, at: Date): Promise<void> {
    await this.db.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  /** Many keys' last_used_at in one statement (never moved backwards). */
  async recordLastUsedMany(uses: { id: string; at: Date }[]): Promise<void> {
    if (!uses.length) return;
    const ids = uses.map((u) => u.id);
    const ats = uses.map((u) => u.at.toISOString());
    await this.db.$executeRaw`
      UPDATE api_keys AS k SET last_used_at = u.at
      FROM unnest(${ids}::text[], ${ats}::timestamptz[]) AS u(id, at)
      WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`;
  }
}

function statusWhere(status: ApiKeyFilter['status'], now: Date): Prisma.ApiKeyWhereInput {
  switch (status) {
    case 'disabled':
      return { disabledAt: { not: null } };
    case 'expired':
      return { disabledAt: null, expiresAt: { lte: now } };
    case 'active':
      return { disabledAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
    default:
      return {};
  }
}
