import { useQuery } from '@tanstack/react-query';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { ActionButton } from '../../components/confirm-button';
import { CreatePanel } from '../../components/create-panel';
import { Loadable } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';

const scope = (rule: { renewal_policy_id: string | null; team_id: string | null; owner_id: string | null }) =>
  [
    rule.renewal_policy_id && `policy ${rule.renewal_policy_id}`,
    rule.team_id && `team ${rule.team_id}`,
    rule.owner_id && `owner ${rule.owner_id}`,
  ]
    .filter(Boolean)
    .join(', ') || 'every certificate';

/** Notification rules: which events, from which certificates, go to which channels; create and delete for writers. */
export function RulesSection() {
  const api = useApi();
  const { can } = useSession();
  const write = can('notifications:write');
  const rules = useQuery({ queryKey: ['notification-rules'], queryFn: () => api.call('get', '/api/v1/notification-rules') });
  return (
    <>
      <CreatePanel path="/api/v1/notification-rules" singular="rule" refresh={['notification-rules']} />
      <Loadable query={rules}>
        {(data) =>
          data.data.length === 0 ? (
            <p className="muted">No rules yet: without one, events reach no channel (docs/notifications.md).</p>
          ) : (
            <TableShell headers={['Name', 'Events', 'Applies to', 'Minimum severity', 'Channels', 'State', 'Created', write && 'Actions']}>
              {data.data.map((rule) => (
                <tr key={rule.id} data-id={rule.id}>
                  <th scope="row">{rule.name}</th>
                  <td>{rule.events.join(', ')}</td>
                  <td>{scope(rule)}</td>
                  <td>{rule.min_severity}</td>
                  <td className="mono">{rule.channel_ids.join(', ')}</td>
                  <td>
                    <StatusBadge status={rule.enabled ? 'enabled' : 'disabled'} />
                  </td>
                  <td>{formatDate(rule.created_at)}</td>
                  {write && (
                    <td>
                      <ActionButton
                        label="Delete"
                        className="danger"
                        confirm={`Delete rule ${rule.name}?`}
                        refresh={['notification-rules']}
                        run={() => api.call('delete', '/api/v1/notification-rules/{id}', { params: { id: rule.id } })}
                      />
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
