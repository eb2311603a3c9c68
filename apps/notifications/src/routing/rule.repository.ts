import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, type Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type RuleRow = Prisma.NotificationRuleModel;
export type NewRule = Omit<RuleRow, 'createdAt' | 'updatedAt'>;

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

  findAllByName(): Promise<RuleRow[]> {
    return this.db.notificationRule.findMany({ orderBy: { name: 'asc' } });
  }

  findEnabled(): Promise<RuleRow[]> {
    return this.db.notificationRule.findMany({ where: { enabled: true } });
  }
}
