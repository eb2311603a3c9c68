import { useQuery } from '@tanstack/react-query';
import { type ResponseOf } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { ActionButton } from '../../components/confirm-button';
import { CreatePanel } from '../../components/create-panel';
import { Loadable } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';

type TestResult = ResponseOf<'/api/v1/notification-channels/{id}/test', 'post'>;

/** Notification channels: type, where they send (secrets masked by the API), enable / disable and a test message. */
export function ChannelsSection() {
  const api = useApi();
  const { can } = useSession();
  const write = can('notifications:write');
  const channels = useQuery({ queryKey: ['notification-channels'], queryFn: () => api.call('get', '/api/v1/notification-channels') });
  return (
    <>
      <CreatePanel path="/api/v1/notification-channels" singular="channel" refresh={['notification-channels']} />
      <Loadable query={channels}>
        {(data) =>
          data.data.length === 0 ? (
            <p className="muted">No channels yet (POST /api/v1/notification-channels, docs/notifications.md).</p>
          ) : (
            <TableShell headers={['Name', 'Type', 'Sends to', 'State', 'Created', write && 'Actions']}>
              {data.data.map((channel) => (
                <tr key={channel.id} data-id={channel.id}>
                  <th scope="row">{channel.name}</th>
                  <td>{channel.type}</td>
                  <td className="detail mono">{describeConfig(channel.config)}</td>
                  <td>
                    <StatusBadge status={channel.enabled ? 'enabled' : 'disabled'} />
                  </td>
                  <td>{formatDate(channel.created_at)}</td>
                  {write && (
                    <td>
                      <div className="actions">
                        <ActionButton
                          label={channel.enabled ? `Disable` : `Enable`}
                          refresh={['notification-channels']}
                          run={() =>
                            api.call('patch', '/api/v1/notification-channels/{id}', {
                              params: { id: channel.id },
                              body: { enabled: !channel.enabled },
                            })
                          }
                        />
                        <TestButton id={channel.id} />
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </TableShell>
          )
        }
      </Loadable>
    </>
  );
}

function TestButton({ id }: { id: string }) {
  const api = useApi();
  return (
    <ActionButton
      label="Send test"
      refresh={['notification-channels']}
      run={async () => {
        const result: TestResult = await api.call('post', '/api/v1/notification-channels/{id}/test', { params: { id } });
        if (!result.ok) throw new Error(`The test was not delivered: ${result.detail}`);
        return result;
      }}
      done="Test delivered."
    />
  );
}

/** The channel's config in one line: the API already masks URLs and secrets. */
function describeConfig(config: Record<string, unknown>): string {
  return Object.entries(config)
    .map(([name, value]) => `${name}=${Array.isArray(value) ? value.join(' ') : String(value)}`)
    .join(', ');
}
