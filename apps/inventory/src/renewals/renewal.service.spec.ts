import { AuditEvents, LifecycleEvents, QueueName } from '@certctl/contracts';
import type { CertificateRepository } from '../certificates/certificate.repository';
import type { JobReaper } from '../jobs/job-reaper.service';
import { MaintenanceService } from './maintenance.service';
import type { MaintenanceRepository } from './maintenance.repository';
import type { CreatedRenewal, RenewalRepository } from './renewal.repository';
import { RenewalService, renewalKey } from './renewal.service';

const past = new Date(Date.now() - 60000);

function setup(created: CreatedRenewal[]) {
  const repo = { insertRenewalJobs: jest.fn(async () => created), scanPage: jest.fn() };
  const certificates = { markRenewalInProgress: jest.fn(async () => undefined) };
  const queues = { add: jest.fn(async () => undefined) };
  const rpc = { emit: jest.fn(async () => undefined) };
  const svc = new RenewalService(
    repo as unknown as RenewalRepository,
    certificates as unknown as CertificateRepository,
    queues as never,
    rpc as never,
  );
  return { svc, repo, certificates, queues, rpc };
}

const ask = (certificateId: string) => ({
  certificate_id: certificateId,
  version_id: `v-${certificateId}`,
  scheduled_at: past.toISOString(),
});

describe('RenewalService.createJobs (fake repository)', () => {
  it('no jobs asked: nothing read or written', async () => {
    const { svc, repo } = setup([]);
    await expect(svc.createJobs({ jobs: [] } as never)).resolves.toEqual({
      created: 0,
      awaiting_approval: 0,
      duplicates: 0,
      awaiting_jobs: [],
    });
    expect(repo.insertRenewalJobs).not.toHaveBeenCalled();
  });

  it('one idempotency key per certificate version; pending jobs queued, approvals listed, CSR waits left alone, the rest duplicates', async () => {
    const { svc, repo, certificates, queues } = setup([
      { id: 'j1', status: 'pending', certificate_id: 'c1', scheduled_at: past },
      { id: 'j2', status: 'awaiting_approval', certificate_id: 'c2', scheduled_at: past },
      { id: 'j3', status: 'awaiting_csr', certificate_id: 'c3', scheduled_at: past },
    ]);
    const out = await svc.createJobs({ jobs: [ask('c1'), ask('c2'), ask('c3'), ask('c4')] } as never);
    expect(out).toEqual({ created: 3, awaiting_approval: 1, duplicates: 1, awaiting_jobs: [{ job_id: 'j2', certificate_id: 'c2' }] });
    const [requests, renewableFrom] = repo.insertRenewalJobs.mock.calls[0] as unknown as [{ idempotencyKey: string }[], string[]];
    expect(requests.map((r) => r.idempotencyKey)).toEqual(['c1', 'c2', 'c3', 'c4'].map((c) => renewalKey(c, `v-${c}`)));
    expect(renewableFrom).not.toContain('revoked');
    expect(certificates.markRenewalInProgress).toHaveBeenCalledWith(['c1', 'c2', 'c3'], renewableFrom);
    expect(queues.add).toHaveBeenCalledTimes(1);
    expect(queues.add).toHaveBeenCalledWith(QueueName.Issuance, 'j1', { job_id: 'j1', certificate_id: 'c1' }, { delay: 0 });
  });

  it('each created job publishes one audit event with the actor scheduler (duplicates publish none)', async () => {
    const { svc, rpc } = setup([
      { id: 'j1', status: 'pending', certificate_id: 'c1', scheduled_at: past },
      { id: 'j2', status: 'awaiting_approval', certificate_id: 'c2', scheduled_at: past },
    ]);
    await svc.createJobs({ jobs: [ask('c1'), ask('c2'), ask('c3')] } as never);
    expect(rpc.emit).toHaveBeenCalledTimes(2);
    const payloads = (rpc.emit.mock.calls as unknown as [unknown, Record<string, unknown>][]).map(([event, p]) => {
      expect(event).toBe(AuditEvents.recorded);
      return AuditEvents.recorded.payload.parse(p);
    });
    expect(payloads.map((p) => [p.actor, p.action, p.resource_type, p.resource_id, p.details.job_id])).toEqual([
      [{ principal: 'scheduler', kind: 'scheduler' }, 'certificate.renewal.schedule', 'certificate', 'c1', 'j1'],
      [{ principal: 'scheduler', kind: 'scheduler' }, 'certificate.renewal.schedule', 'certificate', 'c2', 'j2'],
    ]);
  });

  it('a queue outage does not fail the call (reconciliation re-queues)', async () => {
    const { svc, queues } = setup([{ id: 'j1', status: 'pending', certificate_id: 'c1', scheduled_at: past }]);
    queues.add.mockRejectedValueOnce(new Error('redis down'));
    await expect(svc.createJobs({ jobs: [ask('c1')] } as never)).resolves.toMatchObject({ created: 1 });
  });
});

describe('MaintenanceService (fake repository)', () => {
  function maintenance(expired: { id: string; expires_at: Date }[]) {
    const repo = {
      markExpired: jest.fn(async () => expired),
      markExpiring: jest.fn(async () => 2),
      markAgentsOffline: jest.fn(async () => ['a1']),
    };
    const rpc = { emit: jest.fn(async () => undefined) };
    const svc = new MaintenanceService(repo as unknown as MaintenanceRepository, {} as JobReaper, rpc as never);
    return { svc, repo, rpc };
  }

  it('expired certificates each get certificate.expired; a zero horizon marks none expiring', async () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    const { svc, repo, rpc } = maintenance([{ id: 'c1', expires_at: at }]);
    await expect(svc.markExpiry({ expiring_within_days: 0 } as never)).resolves.toEqual({ expiring: 0, expired: ['c1'] });
    expect(repo.markExpiring).not.toHaveBeenCalled();
    expect(rpc.emit).toHaveBeenCalledWith(LifecycleEvents.certificateExpired, { certificate_id: 'c1', expired_at: at.toISOString() });
    await expect(svc.markExpiry({ expiring_within_days: 30 } as never)).resolves.toMatchObject({ expiring: 2 });
  });

  it('agents gone quiet are reported by id', async () => {
    const { svc } = maintenance([]);
    await expect(svc.markAgentsOffline({ heartbeat_before: new Date().toISOString() } as never)).resolves.toEqual({
      marked: 1,
      agent_ids: ['a1'],
    });
  });
});
