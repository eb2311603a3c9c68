import { Client } from 'pg';
import { type PrismaService, createPrismaClient } from '@certctl/database';
import { createTestDatabase } from '@certctl/testing';
import { sanitizeRecord } from '../src/audit/audit-record';
import { AuditRepository } from '../src/audit/audit.repository';
import { AuditWriter } from '../src/audit/audit.writer';
import { auditRecord } from '../src/testing/fixtures';
import type { GatewayConfig } from '../src/config';

const row = auditRecord;

describe('audit writer on real PostgreSQL: hostile values never stall the trail', () => {
  let url: string;
  let pg: Client;
  let db: PrismaService;

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_audit');
    pg = new Client({ connectionString: url });
    await pg.connect();
    db = createPrismaClient({ url, poolSize: 2 }) as PrismaService;
  });

  afterAll(async () => {
    await db.$disconnect();
    await pg.end();
  });

  const writer = () => new AuditWriter(new AuditRepository(db), { CERTCTL_AUDIT_FLUSH_MS: 5 } as GatewayConfig);
  const rowsOf = async (requestId: string) =>
    (
      await pg.query<{ resource_id: string | null; path: string; details: unknown }>('SELECT * FROM audit_events WHERE request_id = $1', [
        requestId,
      ])
    ).rows;

  it('ok/a NUL in the resource id (the 401 of GET /certificates/%00) is stored escaped, and the next row is written too', async () => {
    const w = writer();
    w.record(row({ requestId: 'req-nul', resourceId: 'abc\u0000def', status: 401, path: '/api/v1/certificates/\u0000' }));
    w.record(row({ requestId: 'req-after-nul' }));
    await w.flush();
    const [nul] = await rowsOf('req-nul');
    expect(nul.resource_id).toBe('abc\\u0000def');
    expect(nul.path).toBe('/api/v1/certificates/\\u0000');
    expect(await rowsOf('req-after-nul')).toHaveLength(1);
  });

  it('ok/unpaired surrogates, NUL keys and oversized details are made storable', async () => {
    const w = writer();
    w.record(
      row({
        requestId: 'req-sur',
        actor: 'a\ud800b',
        details: { ['k\u0000']: 'v\udfff', many: Array.from({ length: 50 }, () => 'x'.repeat(1000)) },
      }),
    );
    await w.flush();
    const [r] = await rowsOf('req-sur');
    expect(r.details).toEqual({ truncated: true, original_size: expect.any(Number) });
    const small = sanitizeRecord(row({ details: { ['k\u0000']: 'v\udfff' } }));
    expect(small.details).toEqual({ 'k\\u0000': 'v\ufffd' });
  });

  it('ok/a row the database refuses for a data reason is split out and written in its minimal form; the batch around it lands', async () => {
    const w = writer();
    // Sanitizing cannot know every constraint: a bypassing value (as a future column type could
    // refuse) is simulated by a row whose occurredAt is invalid for timestamptz after sanitizing.
    const batch = [
      row({ requestId: 'req-b1' }),
      row({ requestId: 'req-poison', occurredAt: new Date(Number.NaN) }),
      row({ requestId: 'req-b3' }),
    ];
    for (const r of batch) w.record(r);
    await w.flush();
    expect(await rowsOf('req-b1')).toHaveLength(1);
    expect(await rowsOf('req-b3')).toHaveLength(1);
    // Even the minimal form keeps the invalid date: the row is set aside (logged), never retried.
    expect(await rowsOf('req-poison')).toHaveLength(0);
    w.record(row({ requestId: 'req-later' }));
    await w.flush();
    expect(await rowsOf('req-later')).toHaveLength(1);
  });
});
