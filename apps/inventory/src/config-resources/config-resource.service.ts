import { Inject, Injectable } from '@nestjs/common';
import { AppError, type ConfigEntity } from '@certctl/contracts';
import { decodeIdCursor, encodeIdCursor, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { ADAPTERS, type ConfigRow } from './config-resource.adapters';
import { ConfigResourceRepository } from './config-resource.repository';

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
    private readonly repo: ConfigResourceRepository,
    @Inject(INVENTORY_CONFIG) config: InventoryConfig,
  ) {
    this.box = secretBoxFromConfig(config);
  }

  async create(entity: ConfigEntity, actor: Actor, body: Body) {
    const adapter = ADAPTERS[entity];
    await this.checkReferences(entity, body);
    const id = typeof body.id === 'string' ? body.id : newId(adapter.idPrefix);
    const sealed = this.seal(entity, id, body, null);
    const row = await this.repo.insert(entity, id, adapter.toData(sealed));
    getLogger().info({ entity, id, actor: actor.principal }, `${adapter.what} created`);
    return adapter.toDto(row);
  }

  async get(entity: ConfigEntity, id: string) {
    const adapter = ADAPTERS[entity];
    const row = await this.repo.findById(entity, id);
    if (!row) throw AppError.notFound(adapter.what, id);
    return adapter.toDto(row);
  }

  async list(entity: ConfigEntity, query: { limit: number; cursor?: string }) {
    const adapter = ADAPTERS[entity];
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const rows = await this.repo.list(entity, after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      data: page.map((row) => adapter.toDto(row)),
      next_cursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1].id) : null,
    };
  }

  async update(entity: ConfigEntity, actor: Actor, id: string, body: Body) {
    const adapter = ADAPTERS[entity];
    const previous = await this.repo.findById(entity, id);
    if (!previous) throw AppError.notFound(adapter.what, id);
    await this.checkReferences(entity, body);
    const sealed = this.seal(entity, id, body, previous);
    const row = await this.repo.update(entity, id, adapter.toData(sealed));
    getLogger().info({ entity, id, actor: actor.principal }, `${adapter.what} updated`);
    return adapter.toDto(row);
  }

  /** Refused (409, listing what still uses it) while anything references the row. */
  async delete(entity: ConfigEntity, actor: Actor, id: string) {
    const adapter = ADAPTERS[entity];
    await this.get(entity, id);
    const refs = await adapter.referencedBy(this.repo, id);
    if (refs.length) throw new AppError('conflict', `${adapter.what} ${id} is still referenced by ${refs.join(' and ')}`);
    await this.repo.delete(entity, id);
    getLogger().info({ entity, id, actor: actor.principal }, `${adapter.what} deleted`);
    return { id, deleted: true as const };
  }

  private seal(entity: ConfigEntity, id: string, body: Body, previous: ConfigRow | null) {
    const seal = ADAPTERS[entity].seal;
    if (!seal) return body;
    const out = seal(this.box, id, body, previous);
    if (out.problems.length) throw AppError.validation(out.problems, 'Send secrets themselves, not their masked form.');
    const problems = ADAPTERS[entity].checkSettings?.(this.box, id, out.body, previous) ?? [];
    if (problems.length) throw AppError.validation(problems, `The ${ADAPTERS[entity].what} config is invalid.`);
    return out.body;
  }

  private async checkReferences(entity: ConfigEntity, body: Body): Promise<void> {
    const missing = (await ADAPTERS[entity].checkReferences?.(this.repo, body)) ?? [];
    if (missing.length) throw AppError.validation(missing, 'The request references resources that do not exist.');
  }
}
