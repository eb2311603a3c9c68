import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ROOT } from '@certctl/testing';

const SCALARS = new Set(['String', 'Int', 'Boolean', 'DateTime', 'Json', 'Bytes', 'Float', 'BigInt', 'Decimal']);

/** table.column for every scalar or enum field of prisma/schema.prisma. */
function schemaColumns(): Set<string> {
  const text = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
  const enums = new Set([...text.matchAll(/^enum (\w+) \{/gm)].map((m) => m[1]));
  const columns = new Set<string>();
  for (const m of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const body = m[2];
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? m[1];
    for (const line of body.split('\n')) {
      const f = /^\s+(\w+)\s+(\w+)(\[\])?\??/.exec(line);
      if (!f || (!SCALARS.has(f[2]) && !enums.has(f[2]))) continue;
      columns.add(`${table}.${/@map\("([^"]+)"\)/.exec(line)?.[1] ?? f[1]}`);
    }
  }
  return columns;
}

/** The hand-written migrations and prisma/schema.prisma must describe the same columns. */
describe('migrations match the Prisma schema', () => {
  it('ok/every model field has its column and every column its field', async () => {
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'",
      );
      const actual = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
      const expected = schemaColumns();
      expect(expected.size).toBeGreaterThan(100);
      expect([...expected].filter((c) => !actual.has(c))).toEqual([]);
      expect([...actual].filter((c) => !expected.has(c))).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('fail/the audit trail refuses UPDATE and DELETE', async () => {
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query("INSERT INTO audit_events (id, actor, action) VALUES ('audit-it-1', 'tester', 'test')");
      await expect(db.query("UPDATE audit_events SET actor = 'x' WHERE id = 'audit-it-1'")).rejects.toThrow(/append-only/);
      await expect(db.query("DELETE FROM audit_events WHERE id = 'audit-it-1'")).rejects.toThrow(/append-only/);
    } finally {
      await db.end();
    }
  });
});
