import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUS_SERVICES, type BusService, type DeclaredContracts, declaredContracts } from '@certctl/contracts';

/**
 * The generated parts of docs/architecture.md: the service × subject matrix, read from the
 * contract declarations (libs/contracts/src/<owner>/), and the service × table matrix, read
 * from prisma/schema.prisma and the apps' sources (the Prisma model calls and raw SQL each
 * app makes). `npm run docs:api` writes them between their markers; a unit test fails when
 * the committed page is stale.
 */

export const BUS_MATRIX = 'bus-matrix';
export const TABLE_MATRIX = 'table-matrix';

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
const header = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];

/** One row per subject, one column per service: answers / calls (request/reply), emits / consumes (events). */
export function renderBusMatrix(declared: DeclaredContracts = declaredContracts()): string {
  const lines = header(['subject', ...BUS_SERVICES.map((s) => `\`${s}\``)]);
  for (const c of declared.rpc) {
    const cell = (s: BusService) => (c.owner === s ? '**answers**' : c.callers.includes(s) ? 'calls' : '');
    lines.push(row([`\`${c.subject}\``, ...BUS_SERVICES.map(cell)]));
  }
  for (const e of declared.events) {
    const cell = (s: BusService) =>
      [e.emitters.includes(s) ? '**emits**' : '', e.consumers.includes(s) ? 'consumes' : ''].filter(Boolean).join(', ');
    lines.push(row([`\`${e.subject}\``, ...BUS_SERVICES.map(cell)]));
  }
  return lines.join('\n');
}

/** Model name → table name (`@@map`), from the Prisma schema. */
export function tablesOfSchema(schema: string): Map<string, string> {
  const tables = new Map<string, string>();
  for (const model of schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const mapped = /@@map\("([^"]+)"\)/.exec(model[2]);
    tables.set(model[1], mapped ? mapped[1] : model[1]);
  }
  return tables;
}

const WRITE_OPS = 'create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany';
const READ_OPS = 'findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|count|aggregate|groupBy';

export interface TableUse {
  writes: Set<string>;
  reads: Set<string>;
}

/** Names a Prisma client or transaction goes by in the apps (`this.db`, `tx`, …). */
const CLIENT = String.raw`\b(?:db|prisma|tx|client)`;

/**
 * Tables several services write, each only its own rows: the transactional outbox
 * (`outbox_events`, one `service` column; written through `outbox.enqueue(tx, …)` of
 * libs/messaging, read and deleted only by the writing service's relay).
 */
export const PER_SERVICE_TABLES: ReadonlySet<string> = new Set(['outbox_events']);

/**
 * The tables one source text writes and reads: Prisma model calls on a client or
 * transaction (`db.job.update(`, `tx.certificate.findMany(`), a model handed on whole
 * (`db.team as never`: counted as a write, it can do anything), and raw SQL (`INSERT INTO
 * jobs`, `UPDATE jobs`, `DELETE FROM jobs` write; `FROM jobs`, `JOIN jobs` read).
 */
export function tableUseOfSource(text: string, tables: Map<string, string>): TableUse {
  const use: TableUse = { writes: new Set(), reads: new Set() };
  const byDelegate = new Map([...tables].map(([model, table]) => [model[0].toLowerCase() + model.slice(1), table]));
  const tableNames = new Set(tables.values());
  const writeOp = new RegExp(`^(?:${WRITE_OPS})$`);
  for (const m of text.matchAll(new RegExp(String.raw`${CLIENT}\.(\w+)\b(?:\.(\w+)\()?`, 'g'))) {
    const table = byDelegate.get(m[1]);
    if (!table) continue;
    if (m[2] === undefined || writeOp.test(m[2])) use.writes.add(table);
    else if (new RegExp(`^(?:${READ_OPS})$`).test(m[2])) use.reads.add(table);
  }
  if (/\boutbox\??\.enqueue\(/.test(text)) use.writes.add('outbox_events');
  for (const m of text.matchAll(/\b(INSERT INTO|UPDATE|DELETE FROM|FROM|JOIN)\s+"?([a-z_]+)"?/g)) {
    if (!tableNames.has(m[2])) continue;
    (m[1] === 'FROM' || m[1] === 'JOIN' ? use.reads : use.writes).add(m[2]);
  }
  return use;
}

function productionSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return productionSources(path);
    return entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Which service writes and reads which table, from the schema and each app's production sources. */
export function tableUseByService(root: string): { tables: string[]; use: Record<BusService, TableUse> } {
  const tables = tablesOfSchema(readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8'));
  const use = {} as Record<BusService, TableUse>;
  for (const service of BUS_SERVICES) {
    use[service] = { writes: new Set(), reads: new Set() };
    for (const file of productionSources(join(root, 'apps', service, 'src'))) {
      const found = tableUseOfSource(readFileSync(file, 'utf8'), tables);
      found.writes.forEach((t) => use[service].writes.add(t));
      found.reads.forEach((t) => use[service].reads.add(t));
    }
  }
  return { tables: [...new Set(tables.values())].sort(), use };
}

/** One row per table, one column per service: writes / reads. */
export function renderTableMatrix(root: string): string {
  const { tables, use } = tableUseByService(root);
  const lines = header(['table', ...BUS_SERVICES.map((s) => `\`${s}\``)]);
  for (const table of tables) {
    const cell = (s: BusService) => (use[s].writes.has(table) ? '**writes**' : use[s].reads.has(table) ? 'reads' : '');
    lines.push(row([`\`${table}\``, ...BUS_SERVICES.map(cell)]));
  }
  return lines.join('\n');
}

const markers = (name: string) => [`<!-- generated:${name}:start (npm run docs:api) -->`, `<!-- generated:${name}:end -->`] as const;

/** Where the body of the generated section `name` starts and ends in a page (after its start marker, at its end marker). */
function sectionBounds(page: string, name: string): [number, number] {
  const [start, end] = markers(name);
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/architecture.md has no generated section ${name} (${start} … ${end})`);
  return [from + start.length, to];
}

/** The page with the generated section `name` replaced by `body` (the markers must be there already). */
export function withGeneratedSection(page: string, name: string, body: string): string {
  const [from, to] = sectionBounds(page, name);
  return `${page.slice(0, from)}\n\n${body}\n\n${page.slice(to)}`;
}

/** The body of a generated section of a page (between its markers, trimmed). */
export function generatedSection(page: string, name: string): string {
  const [from, to] = sectionBounds(page, name);
  return page.slice(from, to).trim();
}

/** A markdown table's cells, whatever its column padding (prettier aligns the committed page). */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => (/^\s*-+\s*$/.test(cell) ? '---' : cell.trim())),
    );
}

/** docs/architecture.md with both generated sections rendered (the docs tool then formats it with prettier). */
export function renderArchitectureDoc(root: string, page: string = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8')): string {
  return withGeneratedSection(withGeneratedSection(page, BUS_MATRIX, renderBusMatrix()), TABLE_MATRIX, renderTableMatrix(root));
}
