import type { Command } from 'commander';
import type { CliContext } from '../context';
import { addPagingOptions, columns, listCommand, seg } from './shared';

const NOTIFICATION_COLUMNS = columns(
  ['ID', 'id'],
  ['EVENT', 'event'],
  ['STATUS', 'status'],
  ['CHANNEL', 'channel'],
  ['RECIPIENT', 'recipient'],
  ['RETRIES', 'retry_count'],
  ['CREATED', 'created_at'],
);

export function registerNotifications(program: Command, ctx: () => CliContext): void {
  const notifications = program.command('notifications').description('notification deliveries');

  addPagingOptions(notifications.command('list').description('list notifications'))
    .option('--status <status>', 'delivery status (e.g. dead)')
    .option('--certificate <id>', 'of this certificate')
    .option('--event <event>', 'event type')
    .option('--channel <id>', 'channel id')
    .action((opts) => {
      const query = { status: opts.status, certificate_id: opts.certificate, event: opts.event, channel_id: opts.channel };
      return listCommand(ctx(), '/api/v1/notifications', query, opts, NOTIFICATION_COLUMNS);
    });

  notifications
    .command('requeue <id>')
    .description('send a failed or dead notification again')
    .action(async (id: string) => ctx().output.record(await ctx().client.post(`/api/v1/notifications/${seg(id)}/requeue`)));
}
