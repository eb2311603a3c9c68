import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BUS_SERVICES, InventoryJob, PrivateKeyRpc, contract } from '@certctl/contracts';
import { ROOT } from '@certctl/testing';
import {
  BUS_MATRIX,
  TABLE_MATRIX,
  generatedSection,
  renderArchitectureDoc,
  renderBusMatrix,
  renderTableMatrix,
  PER_SERVICE_TABLES,
  tableCells,
  tableUseByService,
  tableUseOfSource,
  tablesOfSchema,
  withGeneratedSection,
} from './architecture-matrix';

const STALE = 'is stale: run `npm run docs:api` and commit the result';
const tables = new Map([
  ['Job', 'jobs'],
  ['Team', 'teams'],
  ['CertificateVersion', 'certificate_versions'],
]);

describe('docs/architecture.md, generated parts', () => {
  it('ok/the committed page matches the contract declarations, the schema and the sources', () => {
    const committed = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const sections = [
      [BUS_MATRIX, renderBusMatrix()],
      [TABLE_MATRIX, renderTableMatrix(ROOT)],
    ] as const;
    for (const [name, fresh] of sections) {
      const cells = tableCells(generatedSection(committed, name));
      if (JSON.stringify(cells) !== JSON.stringify(tableCells(fresh))) throw new Error(`docs/architecture.md (${name}) ${STALE}`);
      expect(cells.length).toBeGreaterThan(25);
    }
    // The rest of the page is left as it is.
    expect(renderArchitectureDoc(ROOT, committed).split('<!-- generated:')[0]).toBe(committed.split('<!-- generated:')[0]);
  });

  it('ok/table cells are compared whatever their padding', () => {
    expect(tableCells('| a | b |\n| --- | :-- |\n|  x   |   |\n')).toEqual([
      ['a', 'b'],
      ['---', ':--'],
      ['x', ''],
    ]);
  });

  it('ok/the bus matrix has one row per subject and names the owner and callers of each', () => {
    const matrix = renderBusMatrix();
    const line = matrix.split('\n').find((l) => l.includes(`\`${PrivateKeyRpc.export.subject}\``))!;
    const cells = line
      .split('|')
      .slice(2, -1)
      .map((c) => c.trim());
    expect(cells).toEqual(BUS_SERVICES.map((s) => (s === 'issuance' ? '**answers**' : s === 'gateway' ? 'calls' : '')));
    const failed = matrix.split('\n').find((l) => l.includes(`\`${InventoryJob.failed.subject}\``))!;
    expect(failed).toContain('**emits**');
    expect(failed.match(/consumes/g)).toHaveLength(3); // acme, notifications and the gateway's enrollment waiter
  });

  it('ok/model calls, models handed on whole and raw SQL are read as writes or reads', () => {
    const use = tableUseOfSource(
      [
        'await this.db.job.update({ where });',
        'const rows = await tx.certificateVersion.findMany({});',
        'model: (db) => db.team as never,',
        'contract.owner.find(x);', // not a client: ignored
        'await this.db.$queryRaw`SELECT id FROM jobs j JOIN certificate_versions v ON v.id = j.version_id`;',
      ].join('\n'),
      tables,
    );
    expect([...use.writes].sort()).toEqual(['jobs', 'teams']);
    expect([...use.reads].sort()).toEqual(['certificate_versions', 'jobs']);
    expect(tableUseOfSource('await tx.$executeRaw`INSERT INTO teams (id) VALUES (1)`', tables).writes).toEqual(new Set(['teams']));
    expect(tableUseOfSource('await this.outbox?.enqueue(tx, Events.jobFailed, {})', tables).writes).toEqual(new Set(['outbox_events']));
  });

  it('ok/the schema gives every model its table', () => {
    const schema = readFileSync(join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
    expect(tablesOfSchema(schema).get('CertificateVersion')).toBe('certificate_versions');
    expect(tablesOfSchema('model Thing {\n  id String @id\n}\n').get('Thing')).toBe('Thing');
  });

  it('fail/each table is written by exactly one service and read by no other (the outbox: each service its own rows)', () => {
    const { tables: all, use } = tableUseByService(ROOT);
    expect(all.length).toBeGreaterThan(25);
    for (const table of all) {
      const writers = BUS_SERVICES.filter((s) => use[s].writes.has(table));
      if (PER_SERVICE_TABLES.has(table)) {
        expect({ table, writers: writers.length > 0 }).toEqual({ table, writers: true });
        continue;
      }
      expect({ table, writers: writers.length }).toEqual({ table, writers: 1 });
      const foreignReaders = BUS_SERVICES.filter((s) => use[s].reads.has(table) && !writers.includes(s));
      expect({ table, foreignReaders }).toEqual({ table, foreignReaders: [] });
    }
  });

  it('fail/a page without the markers is refused, and a section is replaced between them', () => {
    expect(() => withGeneratedSection('# no markers\n', BUS_MATRIX, 'x')).toThrow(/bus-matrix/);
    const page = `a\n<!-- generated:${BUS_MATRIX}:start (npm run docs:api) -->\nold\n<!-- generated:${BUS_MATRIX}:end -->\nb\n`;
    expect(withGeneratedSection(page, BUS_MATRIX, 'new')).toBe(
      `a\n<!-- generated:${BUS_MATRIX}:start (npm run docs:api) -->\n\nnew\n\n<!-- generated:${BUS_MATRIX}:end -->\nb\n`,
    );
  });

  it('ok/a new contract shows up in the matrix without editing the generator', () => {
    const poke = contract({
      subject: 'certctl.v1.scheduler.thing.poke',
      owner: 'scheduler',
      callers: ['gateway'],
      request: z.object({}),
      response: z.object({}),
    });
    expect(renderBusMatrix({ rpc: [poke], events: [] })).toContain(
      '| `certctl.v1.scheduler.thing.poke` | calls |  |  |  |  | **answers** |  |',
    );
  });
});
