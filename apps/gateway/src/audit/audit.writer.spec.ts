// The audit writer's isolation of refused rows, against a hand-written fake repository: no PostgreSQL.
// (apps/gateway/test/audit-writer.int-spec.ts runs the same writer against the real database.)
import type { GatewayConfig } from '../config';
import type { AuditRecord } from './audit-record';
import { type AuditRepository, auditRowId } from './audit.repository';
import { auditRecord } from '../testing/fixtures';
import { AuditWriter } from './audit.writer';

const row = (requestId: string, over: Partial<AuditRecord> = {}) => auditRecord({ requestId, ...over });

/**
 * A table that refuses, like a multi-row INSERT, the whole batch when one row is bad: rows whose
 * details carry `refuse` (their minimal form passes), and rows with request id `req-hopeless`
 * (refused in any form). `up` false stands for an unreachable database.
 */
function fakeRepository() {
  const stored: AuditRecord[] = [];
  const state = { up: true, inserts: 0 };
  const repo = {
    insertMany: jest.fn(async (rows: AuditRecord[]) => {
      state.inserts++;
      if (!state.up) throw new Error('connection refused');
      if (rows.some((r) => 'refuse' in r.details || r.requestId === 'req-hopeless')) throw new Error('invalid byte sequence');
      stored.push(...rows);
    }),
    answers: jest.fn(async () => state.up),
  };
  return { repo, stored, state };
}

function setup() {
  const fake = fakeRepository();
  const writer = new AuditWriter(fake.repo as unknown as AuditRepository, { CERTCTL_AUDIT_FLUSH_MS: 60000 } as GatewayConfig);
  return { writer, ...fake };
}

describe('AuditWriter', () => {
  it('ok/recordDurably resolves only once its row is stored: not while the database is down, after it is back', async () => {
    const { writer, stored, state } = setup();
    state.up = false;
    let done = false;
    const durable = writer.recordDurably(row('bus:evt-1')).then(() => (done = true));
    await writer.flush();
    expect(done).toBe(false);
    state.up = true;
    await writer.flush();
    await durable;
    expect(stored.map((r) => r.requestId)).toEqual(['bus:evt-1']);
    await writer.onApplicationShutdown();
  });

  it('ok/recorded rows are written together in one batch on flush', async () => {
    const { writer, stored, repo } = setup();
    for (const id of ['req-1', 'req-2', 'req-3']) writer.record(row(id));
    await writer.flush();
    expect(stored.map((r) => r.requestId)).toEqual(['req-1', 'req-2', 'req-3']);
    expect(repo.insertMany).toHaveBeenCalledTimes(1);
    await writer.onApplicationShutdown();
  });

  it('fail/a refused row is written in its minimal form and never holds back the rows around it', async () => {
    const { writer, stored } = setup();
    writer.record(row('req-a'));
    writer.record(row('req-bad', { details: { refuse: true, note: 'free text' } }));
    writer.record(row('req-c'));
    await writer.flush();
    expect(stored.map((r) => r.requestId).sort()).toEqual(['req-a', 'req-bad', 'req-c']);
    expect(stored.find((r) => r.requestId === 'req-bad')!.details).toEqual({ minimal_form: true });
    expect(stored.find((r) => r.requestId === 'req-a')!.details).toEqual({});
    await writer.onApplicationShutdown();
  });

  it('fail/a row refused even in its minimal form is set aside (not retried); the others are written', async () => {
    const { writer, stored, repo } = setup();
    writer.record(row('req-1'));
    writer.record(row('req-hopeless'));
    await writer.flush();
    expect(stored.map((r) => r.requestId)).toEqual(['req-1']);
    const inserts = repo.insertMany.mock.calls.length;
    await writer.flush();
    expect(repo.insertMany.mock.calls.length).toBe(inserts);
    await writer.onApplicationShutdown();
  });

  it('ok/while the database is unreachable the batch is kept, whole, and written once it is back', async () => {
    const { writer, stored, state } = setup();
    state.up = false;
    writer.record(row('req-1'));
    writer.record(row('req-2'));
    await writer.flush();
    expect(stored).toHaveLength(0);
    state.up = true;
    await writer.flush();
    expect(stored.map((r) => r.requestId)).toEqual(['req-1', 'req-2']);
    await writer.onApplicationShutdown();
  });
});

describe('audit row ids', () => {
  it('ok/a row from a bus event takes its id from the event id (a redelivery is a duplicate key, skipped); a REST row gets a fresh id', () => {
    expect(auditRowId('bus:3f1c')).toBe('audit-bus-3f1c');
    expect(auditRowId('bus:3f1c')).toBe(auditRowId('bus:3f1c'));
    expect(auditRowId('req-1')).toMatch(/^audit-/);
    expect(auditRowId('req-1')).not.toBe(auditRowId('req-1'));
  });
});
