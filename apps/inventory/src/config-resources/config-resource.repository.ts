import { Injectable } from '@nestjs/common';
import { AppError, type ConfigEntity } from '@certctl/contracts';
import { type DbErrorMap, DbErrorCode, PrismaService, translateDbErrors } from '@certctl/database';
import { ADAPTERS, type ConfigRow } from './config-resource.adapters';

type Columns = Record<string, unknown>;

/** The one shape every configuration table's Prisma delegate has here. */
interface ConfigTable {
  create(args: { data: Columns }): Promise<ConfigRow>;
  update(args: { where: { id: string }; data: Columns }): Promise<ConfigRow>;
  delete(args: { where: { id: string } }): Promise<ConfigRow>;
  findUnique(args: { where: { id: string } }): Promise<ConfigRow | null>;
  findMany(args: object): Promise<ConfigRow[]>;
}

/** Which column of a certificate references a configuration row. */
export type CertificateReference = { teamId: string } | { ownerId: string } | { renewalPolicyId: string } | { profileId: string };

/** The existence checks and reference counts the adapters ask for. */
export interface ReferenceLookups {
  teamExists(id: string): Promise<boolean>;
  agentExists(id: string): Promise<boolean>;
  countCertificates(where: CertificateReference): Promise<number>;
  /** Up to `take` ids of such certificates, in id order. */
  someCertificateIds(where: CertificateReference, take: number): Promise<string[]>;
  countOwnersOfTeam(teamId: string): Promise<number>;
  countOpenJobsOfTarget(targetId: string): Promise<number>;
  countCertificateBindings(targetId: string): Promise<number>;
}

/** Teams, owners, renewal policies, profiles and targets: their rows, and the rows that point at them. */
@Injectable()
export class ConfigResourceRepository implements ReferenceLookups {
  constructor(private readonly db: PrismaService) {}

  private table(entity: ConfigEntity): ConfigTable {
    const tables: Record<ConfigEntity, unknown> = {
      team: this.db.team,
      owner: this.db.owner,
      renewal_policy: this.db.renewalPolicy,
      profile: this.db.certificateProfile,
      target: this.db.target,
    };
    return tables[entity] as ConfigTable;
  }

  /** A taken name or id is a `conflict` naming the field; a dangling reference a `conflict`; a missing row `not_found`. */
  private errors(entity: ConfigEntity, id: string): DbErrorMap {
    const what = ADAPTERS[entity].what;
    return {
      [DbErrorCode.UniqueViolation]: (err) => {
        const target = String((err.meta as { target?: unknown } | undefined)?.target ?? '');
        const field = target.includes('name') ? 'name' : 'id';
        return new AppError('conflict', `a ${what} with this ${field} already exists`, { fields: [{ field, message: 'must be unique' }] });
      },
      [DbErrorCode.ForeignKeyViolation]: () => new AppError('conflict', `${what} ${id} is still referenced`),
      [DbErrorCode.RecordNotFound]: () => AppError.notFound(what, id),
    };
  }

  insert(entity: ConfigEntity, id: string, columns: Columns): Promise<ConfigRow> {
    return translateDbErrors(() => this.table(entity).create({ data: { id, ...columns } }), this.errors(entity, id));
  }

  update(entity: ConfigEntity, id: string, columns: Columns): Promise<ConfigRow> {
    return translateDbErrors(() => this.table(entity).update({ where: { id }, data: columns }), this.errors(entity, id));
  }

  async delete(entity: ConfigEntity, id: string): Promise<void> {
    await translateDbErrors(() => this.table(entity).delete({ where: { id } }), this.errors(entity, id));
  }

  findById(entity: ConfigEntity, id: string): Promise<ConfigRow | null> {
    return this.table(entity).findUnique({ where: { id } });
  }

  /** A page in id order, after `afterId`. */
  list(entity: ConfigEntity, afterId: string | undefined, take: number): Promise<ConfigRow[]> {
    return this.table(entity).findMany({ where: afterId ? { id: { gt: afterId } } : {}, orderBy: { id: 'asc' }, take });
  }

  async teamExists(id: string): Promise<boolean> {
    return !!(await this.db.team.findUnique({ where: { id }, select: { id: true } }));
  }

  async agentExists(id: string): Promise<boolean> {
    return !!(await this.db.agent.findUnique({ where: { id }, select: { id: true } }));
  }

  countCertificates(where: CertificateReference): Promise<number> {
    return this.db.certificate.count({ where });
  }

  async someCertificateIds(where: CertificateReference, take: number): Promise<string[]> {
    const rows = await this.db.certificate.findMany({ where, select: { id: true }, take, orderBy: { id: 'asc' } });
    return rows.map((row) => row.id);
  }

  countOwnersOfTeam(teamId: string): Promise<number> {
    return this.db.owner.count({ where: { teamId } });
  }

  countOpenJobsOfTarget(targetId: string): Promise<number> {
    return this.db.job.count({ where: { targetId, status: { in: ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] } } });
  }

  countCertificateBindings(targetId: string): Promise<number> {
    return this.db.certificateTarget.count({ where: { targetId } });
  }
}
