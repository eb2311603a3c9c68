import type { Command } from 'commander';
import type { CliContext } from '../context';
import { columns, seg } from './shared';

const ISSUER_COLUMNS = columns(['ID', 'id'], ['NAME', 'name'], ['TYPE', 'type'], ['PARENT', 'parent_id'], ['ENABLED', 'enabled']);

interface HierarchyNode {
  id: string;
  name: string;
  enabled: boolean;
  not_after: string | null;
  children: HierarchyNode[];
}

/** An issuer hierarchy as an indented tree, one issuer a line. */
export function treeLines(node: HierarchyNode, prefix = '', last = true, root = true): string[] {
  const label = `${node.name} (${node.id})${node.enabled ? '' : ' [disabled]'}${node.not_after ? ` until ${node.not_after}` : ''}`;
  const line = root ? label : `${prefix}${last ? '└── ' : '├── '}${label}`;
  const childPrefix = root ? '' : `${prefix}${last ? '    ' : '│   '}`;
  return [line, ...node.children.flatMap((child, index) => treeLines(child, childPrefix, index === node.children.length - 1, false))];
}

export function registerIssuers(program: Command, ctx: () => CliContext): void {
  const issuers = program.command('issuers').description('certificate issuers (CAs)');

  issuers
    .command('list')
    .description('list issuers')
    .action(async () => ctx().output.list(await ctx().client.get<{ data: unknown[] }>('/api/v1/issuers'), ISSUER_COLUMNS));

  issuers
    .command('get <id>')
    .description('one issuer')
    .action(async (id: string) => ctx().output.record(await ctx().client.get(`/api/v1/issuers/${seg(id)}`)));

  issuers
    .command('test <id>')
    .description('check that the issuer answers')
    .action(async (id: string) => ctx().output.record(await ctx().client.post(`/api/v1/issuers/${seg(id)}/test`)));

  issuers
    .command('tree <id>')
    .description('the issuer and every issuer under it')
    .action(async (id: string) => {
      const tree = await ctx().client.get<HierarchyNode>(`/api/v1/issuers/${seg(id)}/hierarchy`);
      ctx().output.document(tree, `${treeLines(tree).join('\n')}\n`);
    });
}
