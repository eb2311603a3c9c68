import { Inject, Injectable } from '@nestjs/common';
import { AppError, type ConfigEntity } from '@certctl/contracts';
import { Prisma, PrismaService, newId, decodeIdCursor, encodeIdCursor } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { ADAPTERS, type ConfigRow } from './adapters';

type Body = Record<string, unknown>;
interface Actor {
  principal: string;
}

/**
 * Create/read/update/delete of teams, owners, renewal policies, profiles and targets, with
 * referential checks. Secrets inside target settings are sealed (SecretBox) and answered masked.
 */
@Injectable()
export class ConfigResourceService {
  private readonly box: SecretBox;

  constructor(
    private readonly db: PrismaService,
    @Inject(INVENTORY_CONFIG) config: InventoryConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  async create(entity: ConfigEntity, actor: Actor, body: Body) {
    const a = ADAPTERS[entity];
    await this.checkReferences(entity, body);
    const id = typeof body.id === 'string' ? body.id : newId(a.idPrefix);
    const sealed = this.seal(entity, id, body, null);
    try {
      const row = await a.model(this.db).create({ data: { id, ...a.toData(sealed) } });
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
    const previous = await a.model(this.db).findUnique({ where: { id } });
    if (!previous) throw AppError.notFound(a.what, id);
    await this.checkReferences(entity, body);
    const sealed = this.seal(entity, id, body, previous);
    try {
      const row = await a.model(this.db).update({ where: { id }, data: a.toData(sealed) });
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

  private seal(entity: ConfigEntity, id: string, body: Body, previous: ConfigRow | null) {
    const seal = ADAPTERS[entity].seal;
    if (!seal) return body;
    const out = seal(this.box, id, body, previous);
    if (out.problems.length) throw AppError.validation(out.problems, 'Send secrets themselves, not their masked form.');
    return out.body;
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
