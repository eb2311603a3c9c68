import { AppError, type ProbeOutcome } from '@certctl/contracts';
import type { HealthCheckData, HealthCheckRepository, HealthCheckRow, HealthResultRow } from './health-check.repository';
import { HealthCheckService } from './health-check.service';
import type { HealthState } from './health-state';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const actor = { principal: 'admin', role: 'admin' };

/** The two tables in memory, with the repository's contract (row lock = nothing to lock in one process). */
class MemoryHealthChecks {
  checks = new Map<string, HealthCheckRow>();
  results: HealthResultRow[] = [];
  certificates = new Map<string, string | null>();
  private seq = 0;

  transaction<T>(fn: (tx: never) => Promise<T>) {
    return fn(undefined as never);
  }
  async insert(data: HealthCheckData) {
    const now = new Date();
    const row = {
      id: `hc-${++this.seq}`,
      sni: null,
      expectedFingerprint: null,
      certificateId: null,
      enabled: true,
      status: 'unknown',
      consecutiveFailures: 0,
      lastCheckedAt: null,
      nextCheckAt: now,
      lastError: null,
      servedFingerprint: null,
      servedNotAfter: null,
      createdAt: now,
      updatedAt: now,
      ...data,
    } as HealthCheckRow;
    this.checks.set(row.id, row);
    return row;
  }
  async findById(id: string) {
    return this.checks.get(id) ?? null;
  }
  async delete(id: string) {
    return this.checks.delete(id);
  }
  async certificateExists(id: string) {
    return this.certificates.has(id);
  }
  async countByStatus() {
    const counts = new Map<string, number>();
    for (const row of this.checks.values()) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
    return [...counts].map(([status, count]) => ({ status, count }));
  }
  async lockCheck(id: string) {
    return this.checks.get(id) ?? null;
  }
  async currentFingerprint(certificateId: string) {
    return this.certificates.get(certificateId) ?? null;
  }
  async saveProbe(id: string, outcome: ProbeOutcome, state: HealthState) {
    const check = {
      ...this.checks.get(id)!,
      status: state.status,
      consecutiveFailures: state.consecutiveFailures,
      lastError: outcome.error,
    };
    if (outcome.ok) check.servedFingerprint = outcome.served_fingerprint;
    this.checks.set(id, check);
    const result = {
      id: BigInt(this.results.length + 1),
      checkId: id,
      checkedAt: new Date(outcome.checked_at),
      ok: outcome.ok,
      latencyMs: outcome.latency_ms,
      servedFingerprint: outcome.served_fingerprint,
      error: outcome.error,
      statusAfter: state.status,
    };
    this.results.push(result);
    return { check, result };
  }
}

const served = (fingerprint: string): ProbeOutcome => ({
  checked_at: new Date().toISOString(),
  ok: true,
  latency_ms: 3,
  served_fingerprint: fingerprint,
  served_not_after: null,
  error: null,
});
const refused: ProbeOutcome = {
  checked_at: new Date().toISOString(),
  ok: false,
  latency_ms: null,
  served_fingerprint: null,
  served_not_after: null,
  error: '127.0.0.1:1: connect ECONNREFUSED',
};

function setup() {
  const repo = new MemoryHealthChecks();
  const emit = jest.fn(async (_tx: unknown, _event: unknown, _payload: Record<string, unknown>) => 'evt');
  const probes: ProbeOutcome[] = [];
  const prober = jest.fn(async () => probes.shift() ?? refused);
  const service = new HealthCheckService(repo as unknown as HealthCheckRepository, { enqueue: emit, wake: jest.fn() } as never, prober);
  const create = (extra: Record<string, unknown> = {}) =>
    service.create({
      actor,
      body: {
        name: `check-${repo.checks.size + 1}`,
        host: 'localhost',
        port: 8443,
        sni: null,
        expected_fingerprint: null,
        certificate_id: null,
        interval_seconds: 60,
        timeout_ms: 1000,
        enabled: true,
        ...extra,
      },
    });
  const transitions = () => emit.mock.calls.map(([, , payload]) => `${payload.from}→${payload.to}`);
  return { repo, emit, probes, prober, service, create, transitions };
}

describe('HealthCheckService', () => {
  it('ok/probing now: the expected leaf is healthy, another one is cert_mismatch, each transition is one event', async () => {
    const { service, create, probes, prober, transitions, emit, repo } = setup();
    const check = await create({ expected_fingerprint: A, sni: 'www.example.test' });
    probes.push(served(A), served(A), served(B));
    expect((await service.checkNow({ actor, id: check.id })).check.status).toBe('healthy');
    expect((await service.checkNow({ actor, id: check.id })).check.status).toBe('healthy');
    const mismatch = await service.checkNow({ actor, id: check.id });
    expect(mismatch.check.status).toBe('cert_mismatch');
    expect(mismatch.result).toMatchObject({ ok: true, served_fingerprint: B, status_after: 'cert_mismatch' });
    expect(prober).toHaveBeenCalledWith({ host: 'localhost', port: 8443, sni: 'www.example.test', timeoutMs: 1000 });
    expect(transitions()).toEqual(['unknown→healthy', 'healthy→cert_mismatch']);
    expect(emit.mock.calls[1]![2]).toMatchObject({
      health_check_id: check.id,
      address: 'localhost:8443',
      expected_fingerprints: [A],
      served_fingerprint: B,
    });
    expect(repo.results).toHaveLength(3);
  });

  it('fail/failures: one keeps the status, two degrade, five are down; a success recovers', async () => {
    const { service, create, probes, transitions } = setup();
    const check = await create();
    probes.push(served(A));
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await service.checkNow({ actor, id: check.id })).check.status);
    expect(statuses).toEqual(['healthy', 'healthy', 'degraded', 'degraded', 'degraded', 'down']);
    probes.push(served(A));
    const back = await service.checkNow({ actor, id: check.id });
    expect(back.check).toMatchObject({ status: 'healthy', consecutive_failures: 0 });
    expect(transitions()).toEqual(['unknown→healthy', 'healthy→degraded', 'degraded→down', 'down→healthy']);
  });

  it('ok/a check bound to a certificate expects its current version: an older leaf still served is cert_mismatch', async () => {
    const { service, create, probes, repo } = setup();
    repo.certificates.set('cert-1', B);
    const check = await create({ certificate_id: 'cert-1' });
    probes.push(served(A), served(B));
    expect((await service.checkNow({ actor, id: check.id })).check.status).toBe('cert_mismatch');
    expect((await service.checkNow({ actor, id: check.id })).check.status).toBe('healthy');
  });

  it('fail/an unknown certificate is a 422 on certificate_id; an unknown check is 404 and is never probed', async () => {
    const { service, create, prober } = setup();
    const err = await create({ certificate_id: 'cert-missing' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).fields?.[0]?.field).toBe('certificate_id');
    await expect(service.checkNow({ actor, id: 'hc-none' })).rejects.toMatchObject({ code: 'not_found' });
    expect(prober).not.toHaveBeenCalled();
  });

  it('ok/the scheduler’s results are recorded per check; a check deleted since its claim is skipped', async () => {
    const { service, create, transitions } = setup();
    const kept = await create();
    const gone = await create();
    await service.delete({ actor, id: gone.id });
    const out = await service.record({
      results: [
        { check_id: kept.id, ...served(A) },
        { check_id: gone.id, ...served(A) },
      ],
    });
    expect(out).toEqual({ recorded: 1, transitions: 1 });
    expect(transitions()).toEqual(['unknown→healthy']);
  });

  it('ok/the summary counts every status, zero included', async () => {
    const { service, create, probes } = setup();
    const one = await create();
    await create();
    probes.push(served(A));
    await service.checkNow({ actor, id: one.id });
    expect(await service.summary()).toEqual({
      total: 2,
      by_status: { unknown: 1, healthy: 1, degraded: 0, down: 0, cert_mismatch: 0 },
    });
  });
});
