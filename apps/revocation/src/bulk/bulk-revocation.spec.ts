import type { Job } from 'bullmq';
import { AppError, AuditEvents, type BulkRevocationJobData, Rpc, type RpcContract } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import type { QueueService } from '@certctl/queue';
import type { RevocationConfig } from '../config';
import type { RevocationService } from '../revocations/revocation.service';
import { BulkRevocationProcessor } from './bulk-revocation.processor';
import type { BulkError, BulkRevocationRepository, BulkRow, NewBulkRevocation } from './bulk-revocation.repository';
import { BulkRevocationService } from './bulk-revocation.service';

const actor = { principal: 'alice', role: 'admin' };

/** The bulk_revocations table in memory. */
class MemoryBulks {
  readonly rows = new Map<string, BulkRow>();
  readonly progress: { revoked: number; failed: number }[] = [];
  async create(bulk: NewBulkRevocation) {
    const row: BulkRow = {
      ...bulk,
      total: bulk.certificateIds.length,
      status: 'queued',
      revoked: 0,
      failed: 0,
      errors: [],
      createdAt: new Date('2026-06-01T00:00:00Z'),
      updatedAt: new Date('2026-06-01T00:00:00Z'),
      completedAt: null,
    };
    this.rows.set(row.id, row);
    return row;
  }
  async findById(id: string) {
    return this.rows.get(id) ?? null;
  }
  async markRunning(id: string) {
    this.rows.get(id)!.status = 'running';
  }
  async recordProgress(id: string, progress: { revoked: number; failed: number; errors: BulkError[] }) {
    Object.assign(this.rows.get(id)!, progress, { errors: [...progress.errors] });
    this.progress.push({ revoked: progress.revoked, failed: progress.failed });
  }
  async markCompleted(id: string) {
    Object.assign(this.rows.get(id)!, { status: 'completed', completedAt: new Date() });
  }
  async markFailed(id: string) {
    Object.assign(this.rows.get(id)!, { status: 'failed', completedAt: new Date() });
  }
}

describe('BulkRevocationService', () => {
  const setup = (o: { queueDown?: boolean } = {}) => {
    const bulks = new MemoryBulks();
    const pages: Record<string, { data: { id: string; serial_number: string | null; status: string }[]; next_cursor: string | null }> = {
      first: {
        data: [
          { id: 'crt-1', serial_number: '01', status: 'active' },
          { id: 'crt-2', serial_number: null, status: 'pending' },
        ],
        next_cursor: 'p2',
      },
      p2: {
        data: [
          { id: 'crt-3', serial_number: '03', status: 'revoked' },
          { id: 'crt-4', serial_number: '04', status: 'active' },
        ],
        next_cursor: null,
      },
    };
    const listed: unknown[] = [];
    const rpc = {
      request: jest.fn(async (contract: RpcContract, body: { cursor?: string }) => {
        expect(contract.subject).toBe(Rpc.inventory.certificateList.subject);
        listed.push(body);
        return pages[body.cursor ?? 'first'];
      }),
    } as unknown as RpcClient;
    const queues = { add: jest.fn(async () => (o.queueDown ? Promise.reject(new Error('redis down')) : undefined)) };
    const service = new BulkRevocationService(bulks as unknown as BulkRevocationRepository, rpc, queues as unknown as QueueService);
    return { service, bulks, queues, listed };
  };

  it('ok/explicit ids are deduplicated, stored and queued', async () => {
    const { service, bulks, queues } = setup();
    const dto = await service.start({ actor, reason: 'superseded', ids: ['crt-1', 'crt-1', 'crt-2'] } as never);
    expect(dto).toMatchObject({ status: 'queued', total: 2, requested_by: 'alice', reason: 'superseded' });
    expect(bulks.rows.get(dto.id)?.certificateIds).toEqual(['crt-1', 'crt-2']);
    expect(queues.add).toHaveBeenCalledWith(expect.any(String), dto.id, expect.objectContaining({ bulk_id: dto.id }));
  });

  it('ok/a filter resolves through every inventory page, keeping issued certificates not yet revoked', async () => {
    const { service, bulks, listed } = setup();
    const dto = await service.start({ actor, reason: 'keyCompromise', issuer_id: 'iss-1' } as never);
    expect(bulks.rows.get(dto.id)?.certificateIds).toEqual(['crt-1', 'crt-4']);
    expect(listed).toEqual([
      { limit: 500, issuer_id: 'iss-1' },
      { limit: 500, cursor: 'p2', issuer_id: 'iss-1' },
    ]);
  });

  it('fail/nothing to revoke is a validation error and stores nothing; a queue outage marks the row failed', async () => {
    const { service, bulks } = setup();
    await expect(service.start({ actor, reason: 'superseded', ids: [] } as never)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(bulks.rows.size).toBe(0);

    const down = setup({ queueDown: true });
    await expect(down.service.start({ actor, reason: 'superseded', ids: ['crt-1'] } as never)).rejects.toMatchObject({
      code: 'service_unavailable',
      retryable: true,
    });
    expect([...down.bulks.rows.values()].map((row) => row.status)).toEqual(['failed']);
  });

  it('fail/an unknown bulk id is not_found', async () => {
    await expect(setup().service.get('bulk-missing')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('BulkRevocationProcessor', () => {
  const setup = async (ids: string[], revoke: (certId: string) => Promise<unknown>) => {
    const bulks = new MemoryBulks();
    await bulks.create({ id: 'bulk-1', reason: 'superseded', certificateIds: ids, requestedBy: 'alice' });
    const revocations = {
      revoke: jest.fn(async (_actor: unknown, certId: string) => {
        await revoke(certId);
        return { serial_number: `sn-${certId}`, created: true };
      }),
    };
    const config = { CERTCTL_BULK_REVOKE_CONCURRENCY: 2 } as RevocationConfig;
    const rpc = { emit: jest.fn(async () => undefined) };
    const processor = new BulkRevocationProcessor(
      bulks as unknown as BulkRevocationRepository,
      {} as QueueService,
      revocations as unknown as RevocationService,
      config,
      rpc as never,
    );
    const job = { data: { bulk_id: 'bulk-1' }, updateProgress: jest.fn(async () => undefined) } as unknown as Job<BulkRevocationJobData>;
    return { processor, bulks, revocations, job, rpc };
  };

  it('ok/revokes every certificate, records refusals as failures with their message, and completes', async () => {
    const { processor, bulks, job } = await setup(['crt-1', 'crt-2', 'crt-3'], async (certId) => {
      if (certId === 'crt-2') throw new AppError('conflict', 'no issued version');
    });
    expect(await processor.process(job)).toEqual({ revoked: 2, failed: 1 });
    expect(bulks.rows.get('bulk-1')).toMatchObject({
      status: 'completed',
      revoked: 2,
      failed: 1,
      errors: [{ certificate_id: 'crt-2', error: 'no issued version' }],
    });
    expect(job.updateProgress).toHaveBeenLastCalledWith(100);
  });

  it("ok/each certificate of the job is one audit event under the requester's principal, refusals with outcome failure", async () => {
    const { processor, job, rpc } = await setup(['crt-1', 'crt-2'], async (certId) => {
      if (certId === 'crt-2') throw new AppError('conflict', 'no issued version');
    });
    await processor.process(job);
    const events = (rpc.emit.mock.calls as unknown as [unknown, unknown][]).map(([event, p]) => {
      expect(event).toBe(AuditEvents.recorded);
      return AuditEvents.recorded.payload.parse(p);
    });
    events.sort((a, b) => String(a.resource_id).localeCompare(String(b.resource_id)));
    expect(events.map((e) => [e.actor, e.action, e.resource_id, e.outcome, e.details])).toEqual([
      [
        { principal: 'alice', kind: 'api_key' },
        'certificate.revoke',
        'crt-1',
        'success',
        expect.objectContaining({ bulk_id: 'bulk-1', serial_number: 'sn-crt-1' }),
      ],
      [
        { principal: 'alice', kind: 'api_key' },
        'certificate.revoke',
        'crt-2',
        'failure',
        expect.objectContaining({ bulk_id: 'bulk-1', error: 'no issued version' }),
      ],
    ]);
  });

  it('ok/a job picked up again continues after the stored progress; a completed one revokes nothing', async () => {
    const { processor, bulks, revocations, job } = await setup(['crt-1', 'crt-2', 'crt-3'], async () => undefined);
    Object.assign(bulks.rows.get('bulk-1')!, { revoked: 1, failed: 1 });
    expect(await processor.process(job)).toEqual({ revoked: 2, failed: 1 });
    expect(revocations.revoke.mock.calls.map((call) => call[1])).toEqual(['crt-3']);
    revocations.revoke.mockClear();
    expect(await processor.process(job)).toEqual({ revoked: 2, failed: 1 });
    expect(revocations.revoke).not.toHaveBeenCalled();
  });

  it('fail/a retryable error fails the job (the queue retries it) and leaves the row running', async () => {
    const { processor, bulks, job } = await setup(['crt-1'], async () => {
      throw new AppError('service_unavailable', 'inventory is down', { retryable: true });
    });
    await expect(processor.process(job)).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(bulks.rows.get('bulk-1')).toMatchObject({ status: 'running', revoked: 0, failed: 0 });
  });
});
