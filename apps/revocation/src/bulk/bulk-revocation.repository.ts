import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';

export type BulkRow = Prisma.BulkRevocationGetPayload<object>;
export type BulkError = { certificate_id: string; error: string };
export interface NewBulkRevocation {
  id: string;
  reason: string;
  certificateIds: string[];
  requestedBy: string;
}

/** The `bulk_revocations` table: one row per bulk request, with its progress. */
@Injectable()
export class BulkRevocationRepository {
  constructor(private readonly db: PrismaService) {}

  create(bulk: NewBulkRevocation): Promise<BulkRow> {
    return this.db.bulkRevocation.create({ data: { ...bulk, total: bulk.certificateIds.length } });
  }

  findById(id: string): Promise<BulkRow | null> {
    return this.db.bulkRevocation.findUnique({ where: { id } });
  }

  async markRunning(id: string): Promise<void> {
    await this.db.bulkRevocation.update({ where: { id }, data: { status: 'running' } });
  }

  /** Stores how far the job got, so a job picked up again after a crash continues from there. */
  async recordProgress(id: string, progress: { revoked: number; failed: number; errors: BulkError[] }): Promise<void> {
    await this.db.bulkRevocation.update({ where: { id }, data: progress });
  }

  async markCompleted(id: string): Promise<void> {
    await this.db.bulkRevocation.update({ where: { id }, data: { status: 'completed', completedAt: new Date() } });
  }

  async markFailed(id: string): Promise<void> {
    await this.db.bulkRevocation.update({ where: { id }, data: { status: 'failed', completedAt: new Date() } });
  }
}
