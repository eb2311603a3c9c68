import { type Command, InvalidArgumentError } from 'commander';
import type { Query } from '@certctl/api-client';
import type { CliContext } from '../context';
import type { Column } from '../output/format';

/** A path segment from a user-given id. */
export const seg = (id: string) => encodeURIComponent(id);

/** Repeatable options collect into a list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A positive integer option (limits, days). */
export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

/** `--tag key=value` pairs into an object. */
export function tagPairs(pairs: string[] = []): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new InvalidArgumentError(`--tag ${pair}: expected key=value`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return tags;
}

export const columns = (...specs: [string, string][]): Column[] => specs.map(([header, field]) => ({ header, field }));

export const JOB_COLUMNS = columns(
  ['ID', 'id'],
  ['TYPE', 'type'],
  ['STATUS', 'status'],
  ['CERTIFICATE', 'certificate_id'],
  ['ATTEMPTS', 'attempts'],
  ['SCHEDULED', 'scheduled_at'],
  ['LAST ERROR', 'last_error'],
);

export const TERMINAL_JOB_STATUSES = new Set(['completed', 'failed', 'cancelled']);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** --limit, --cursor and --all on a list command. */
export function addPagingOptions(command: Command): Command {
  return command
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'page cursor from a previous list')
    .option('--all', 'every page (walks the cursor)');
}

/** Lists `path` with the filters of `query` and the paging options, and prints the page(s). */
export async function listCommand(
  ctx: CliContext,
  path: string,
  query: Query,
  opts: { limit?: number; cursor?: string; all?: boolean },
  cols: Column[],
) {
  ctx.output.list(await ctx.client.list(path, { ...query, limit: opts.limit, cursor: opts.cursor }, Boolean(opts.all)), cols);
}
