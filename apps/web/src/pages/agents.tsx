import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api/use-api';
import { Loadable } from '../components/problem';
import { StatusBadge, formatDate } from '../components/status';
import { TableShell } from '../components/table-shell';

/** Agents: status, last heartbeat, version and OS of every registered agent. */
export function AgentsPage() {
  const api = useApi();
  const agents = useQuery({ queryKey: ['agents'], queryFn: () => api.call('get', '/api/v1/agents', { query: { limit: 500 } }) });
  return (
    <section>
      <h1>Agents</h1>
      <Loadable query={agents}>
        {(data) =>
          data.data.length === 0 ? (
            <p className="muted">No agents registered yet.</p>
          ) : (
            <TableShell headers={['Name', 'Host', 'Status', 'Last heartbeat', 'Version', 'OS']}>
              {data.data.map((agent) => (
                <tr key={agent.id}>
                  <th scope="row">{agent.name}</th>
                  <td>{agent.hostname}</td>
                  <td>
                    <StatusBadge status={agent.status} />
                  </td>
                  <td>{formatDate(agent.last_heartbeat_at)}</td>
                  <td>{agent.version}</td>
                  <td>
                    {agent.os} / {agent.architecture}
                  </td>
                </tr>
              ))}
            </TableShell>
          )
        }
      </Loadable>
    </section>
  );
}
