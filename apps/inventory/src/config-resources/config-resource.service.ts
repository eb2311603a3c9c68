import { Injectable } from '@nestjs/common';
import { AppError, type ConfigEntity, decodeIdCursor, encodeIdCursor } from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { ADAPTERS } from './adapters';

type Body = Record<string, unknown>;
interface Actor {
  principal: string;
}

/** Create/read/update/delete of teams, owners, renewal policies and profiles, with referential checks. */
@Injectable()
export class ConfigResourceService {
  constructor(private readonly db: PrismaService) {}

  async create(entity: ConfigEntity, actor: Actor, body: Body) {
    const a = ADAPTERS[entity];
    await this.checkReferences(entity, body);
    const id = typeof body.id === 'string' ? body.id : newId(a.idPrefix);
    try {
      const row = await a.model(this.db).create({ data: { id, ...a.toData(body) } });
      getLogger().info({ entity, id, actor: actor.principal }, `${a.what} created`);
      return a.toDto(row);
    } catch (err) {
      throw this.translate(entity, err, id);
    }
  }

  async get(entity: ConfigEntity, id: string) {
    const a = ADAPTERS[entity];
    const row = await a.model(this.db).findUnique({ where: { id } });
    if (!row) throw AppError.notFound(a.what, id);
    return a.toDto(row);
  }

  async list(entity: ConfigEntity, q: { limit: number; cursor?: string }) {
    const a = ADAPTERS[entity];
    const after = q.cursor ? decodeIdCursor(q.cursor) : undefined;
    const rows = await a.model(this.db).findMany({
      where: after ? { id: { gt: after } } : {},
      orderBy: { id: 'asc' },
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return { data: page.map((r) => a.toDto(r)), next_cursor: rows.length > q.limit ? encodeIdCursor(page[page.length - 1].id) : null };
  }

  async update(entity: ConfigEntity, actor: Actor, id: string, body: Body) {
    const a = ADAPTERS[entity];
    await this.get(entity, id);
    await this.checkReferences(entity, body);
    try {
      const row = await a.model(this.db).update({ where: { id }, data: a.toData(body) });
      getLogger().info({ entity, id, actor: actor.principal }, `${a.what} updated`);
      return a.toDto(row);
    } catch (err) {
      throw this.translate(entity, err, id);
    }
  }

  /** Refused (409, listing what still uses it) while anything references the row. */
  async delete(entity: ConfigEntity, actor: Actor, id: string) {
    const a = ADAPTERS[entity];
    await this.get(entity, id);
    const refs = await a.referencedBy(this.db, id);
    if (refs.length) throw new AppError('conflict', `${a.what} ${id} is still referenced by ${refs.join(' and ')}`);
    try {
      await a.model(this.db).delete({ where: { id } });
    } catch (err) {
      throw this.translate(entity, err, id);
    }
    getLogger().info({ entity, id, actor: actor.principal }, `${a.what} deleted`);
    return { id, deleted: true as const };
  }

  private async checkReferences(entity: ConfigEntity, body: Body): Promise<void> {
    const missing = (await ADAPTERS[entity].checkReferences?.(this.db, body)) ?? [];
    if (missing.length) throw AppError.validation(missing, 'The request references resources that do not exist.');
  }

  private translate(entity: ConfigEntity, err: unknown, id: string): unknown {
    if (err instanceof Prisma.PrismaClientKnownRequestError) {
      const a = ADAPTERS[entity];
      if (err.code === 'P2002') {
        const target = String((err.meta as { target?: unknown } | undefined)?.target ?? '');
        const field = target.includes('name') ? 'name' : 'id';
        return new AppError('conflict', `a ${a.what} with this ${field} already exists`, {
          fields: [{ field, message: 'must be unique' }],
        });
      }
      if (err.code === 'P2003') return new AppError('conflict', `${a.what} ${id} is still referenced`);
      if (err.code === 'P2025') return AppError.notFound(a.what, id);
    }
    return err;
  }
}
