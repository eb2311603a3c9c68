import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, type Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type ChannelRow = Prisma.NotificationChannelModel;
export type NewChannel = Pick<ChannelRow, 'id' | 'name' | 'type' | 'encryptedSecret' | 'enabled'> & { config: Prisma.InputJsonValue };
export type ChannelChanges = Partial<Pick<ChannelRow, 'name' | 'encryptedSecret' | 'enabled'>> & { config?: Prisma.InputJsonValue };

/** The notification_channels table. */
@Injectable()
export class ChannelRepository {
  constructor(private readonly db: PrismaService) {}

  /** A second channel with the same name is a `conflict`. */
  insert(channel: NewChannel): Promise<ChannelRow> {
    return translateDbErrors(() => this.db.notificationChannel.create({ data: channel }), {
      [DbErrorCode.UniqueViolation]: () => new AppError('conflict', `a channel named ${JSON.stringify(channel.name)} already exists`),
    });
  }

  /** `not_found` when no such channel; a name another channel has is a `conflict`. */
  update(id: string, changes: ChannelChanges): Promise<ChannelRow> {
    return translateDbErrors(() => this.db.notificationChannel.update({ where: { id }, data: changes }), {
      [DbErrorCode.UniqueViolation]: () => new AppError('conflict', `a channel named ${JSON.stringify(changes.name)} already exists`),
      [DbErrorCode.RecordNotFound]: () => AppError.notFound('notification_channel', id),
    });
  }

  /** False when no such channel. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.notificationChannel.deleteMany({ where: { id } });
    return result.count > 0;
  }

  findById(id: string): Promise<ChannelRow | null> {
    return this.db.notificationChannel.findUnique({ where: { id } });
  }

  findAllByName(): Promise<ChannelRow[]> {
    return this.db.notificationChannel.findMany({ orderBy: { name: 'asc' } });
  }

  /** Which of `ids` name a channel that exists. */
  async existingIds(ids: string[]): Promise<string[]> {
    const found = await this.db.notificationChannel.findMany({ where: { id: { in: ids } }, select: { id: true } });
    return found.map((row) => row.id);
  }

  /** Every channel's settings with the time they were last changed (for the one-off sealing of URLs). */
  findAllConfigs(): Promise<Pick<ChannelRow, 'id' | 'config' | 'updatedAt'>[]> {
    return this.db.notificationChannel.findMany({ select: { id: true, config: true, updatedAt: true } });
  }

  /** Replaces the settings only if the row is unchanged since `readAt` (another replica may do the same); true when written. */
  async replaceConfigIfUnchanged(id: string, readAt: Date, config: Prisma.InputJsonValue): Promise<boolean> {
    const result = await this.db.notificationChannel.updateMany({ where: { id, updatedAt: readAt }, data: { config } });
    return result.count > 0;
  }
}
