import type { Command } from 'commander';
import type { CliContext } from '../context';
import { addPagingOptions, columns, listCommand } from './shared';

const AUDIT_COLUMNS = columns(
  ['TIME', 'occurred_at'],
  ['ACTOR', 'actor'],
  ['ACTION', 'action'],
  ['RESOURCE', 'resource_type'],
  ['RESOURCE ID', 'resource_id'],
  ['STATUS', 'status'],
);

export function registerAudit(program: Command, ctx: () => CliContext): void {
  const audit = program.command('audit').description('the audit log');

  addPagingOptions(audit.command('list').description('list audit events, newest first'))
    .option('--actor <name>', 'who acted')
    .option('--action <action>', 'audit action (e.g. certificate.renew)')
    .option('--resource-type <type>', 'resource type')
    .option('--resource-id <id>', 'resource id')
    .option('--since <iso>', 'from this time (ISO 8601)')
    .option('--until <iso>', 'until this time (ISO 8601)')
    .action((opts) => {
      const query = {
        actor: opts.actor,
        action: opts.action,
        resource_type: opts.resourceType,
        resource_id: opts.resourceId,
        since: opts.since,
        until: opts.until,
      };
      return listCommand(ctx(), '/api/v1/audit', query, opts, AUDIT_COLUMNS);
    });
}
