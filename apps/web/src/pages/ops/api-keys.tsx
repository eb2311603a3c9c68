import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { ActionButton } from '../../components/confirm-button';
import { Loadable } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';
import { CreateApiKey, ROLES } from './api-key-create';
import { SelectFilter, useCursors } from './cursor';

/** API keys (admin): every key with its role and state, create (secret shown once), disable / enable. */
export function ApiKeysPage() {
  const api = useApi();
  const { whoami } = useSession();
  const [role, setRole] = useState('');
  const [status, setStatus] = useState('');
  const { cursor, resetting, pager } = useCursors();
  const keys = useQuery({
    queryKey: ['api-keys', role, status, cursor],
    queryFn: () =>
      api.call('get', '/api/v1/api-keys', {
        query: {
          role: (role || undefined) as (typeof ROLES)[number] | undefined,
          status: (status || undefined) as 'active' | 'disabled' | 'expired' | undefined,
          limit: 100,
          cursor,
        },
      }),
    placeholderData: keepPreviousData,
  });
  return (
    <section>
      <h1>API keys</h1>
      <p className="muted">
        A key acts with one role: <strong>viewer</strong> reads, <strong>operator</strong> renews, revokes and approves,{' '}
        <strong>admin</strong> also configures and manages keys, <strong>agent</strong> is bound to one agent (docs/rbac.md).
      </p>
      <Loadable query={keys}>
        {(data) => (
          <>
            <CreateApiKey />
            <div className="filters">
              <SelectFilter id="key-role" label="Show role" value={role} values={ROLES} onChange={resetting(setRole)} />
              <SelectFilter
                id="key-status"
                label="Show state"
                value={status}
                values={['active', 'disabled', 'expired']}
                onChange={resetting(setStatus)}
              />
            </div>
            <TableShell headers={['Name', 'Principal', 'Role', 'State', 'Prefix', 'Last used', 'Expires', 'Created by', 'Action']}>
              {data.data.map((key) => (
                <tr key={key.id} data-id={key.id}>
                  <th scope="row">{key.name}</th>
                  <td>{key.principal}</td>
                  <td>{key.role}</td>
                  <td>
                    <StatusBadge status={key.status} />
                  </td>
                  <td className="mono">{key.key_prefix}…</td>
                  <td>{formatDate(key.last_used_at)}</td>
                  <td>{formatDate(key.expires_at)}</td>
                  <td>{key.created_by}</td>
                  <td>
                    {key.id === whoami.key_id ? (
                      <span className="muted">the key you signed in with</span>
                    ) : key.status === 'disabled' ? (
                      <ActionButton
                        label="Enable"
                        refresh={['api-keys']}
                        run={() => api.call('post', '/api/v1/api-keys/{id}/enable', { params: { id: key.id } })}
                      />
                    ) : (
                      <ActionButton
                        label="Disable"
                        className="danger"
                        confirm={`Disable the key ${key.name}? Every request with it is refused from now on.`}
                        refresh={['api-keys']}
                        run={() => api.call('post', '/api/v1/api-keys/{id}/disable', { params: { id: key.id } })}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </TableShell>
            {pager(data.next_cursor)}
          </>
        )}
      </Loadable>
    </section>
  );
}
