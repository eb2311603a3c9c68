import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, type Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type RuleRow = Prisma.NotificationRuleModel;
export type NewRule = Omit<RuleRow, 'createdAt' | 'updatedAt'>;
export type RuleChanges = Partial<Omit<NewRule, 'id'>>;

/** The notification_rules table. */
@Injectable()
export class RuleRepository {
  constructor(private readonly db: PrismaService) {}

  /** A second rule with the same name is a `conflict`. */
  insert(rule: NewRule): Promise<RuleRow> {
    return translateDbErrors(() => this.db.notificationRule.create({ data: rule }), {
      [DbErrorCode.UniqueViolation]: () => new AppError('conflict', `a rule named ${JSON.stringify(rule.name)} already exists`),
    });
  }

  findById(id: string): Promise<RuleRow | null> {
    return this.db.notificationRule.findUnique({ where: { id } });
  }

  /** `not_found` when no such rule; a name another rule has is a `conflict`. */
  update(id: string, changes: RuleChanges): Promise<RuleRow> {
    return translateDbErrors(() => this.db.notificationRule.update({ where: { id }, data: changes }), {
      [DbErrorCode.UniqueViolation]: () => new AppError('conflict', `a rule named ${JSON.stringify(changes.name)} already exists`),
      [DbErrorCode.RecordNotFound]: () => AppError.notFound('notification_rule', id),
    });
  }

  /** False when no such rule. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.notificationRule.deleteMany({ where: { id } });
    return result.count > 0;
  }

  /** The rules (enabled or not) that route to the channel. */
  findByChannel(channelId: string): Promise<Pick<RuleRow, 'id' | 'name'>[]> {
    return this.db.notificationRule.findMany({
      where: { channelIds: { has: channelId } },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    });
  }

  /** Every rule, enabled or not (routing counts what the disabled ones would have sent). */
  findAll(): Promise<RuleRow[]> {
    return this.db.notificationRule.findMany();
  }

  findAllByName(): Promise<RuleRow[]> {
    return this.db.notificationRule.findMany({ orderBy: { name: 'asc' } });
  }
}
