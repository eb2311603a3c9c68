import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { Loadable } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';
import { Link } from '../../router';
import { SelectFilter, Tabs } from './cursor';
import { EabKeysSection } from './eab-keys';

type Tab = 'accounts' | 'orders' | 'eab';
const LIMIT = 500;

/** ACME: the accounts clients registered, their orders, and (for admins) the EAB keys that bind new accounts. */
export function AcmePage() {
  const { can } = useSession();
  const [tab, setTab] = useState<Tab>('accounts');
  const [account, setAccount] = useState('');
  const showOrders = (id: string) => {
    setAccount(id);
    setTab('orders');
  };
  return (
    <section>
      <h1>ACME</h1>
      <Tabs
        label="ACME"
        value={tab}
        onChange={setTab}
        tabs={[
          { id: 'accounts', label: 'Accounts' },
          { id: 'orders', label: 'Orders' },
          ...(can('acme:manage') ? [{ id: 'eab' as const, label: 'EAB keys' }] : []),
        ]}
      />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'accounts' && <Accounts onOrders={showOrders} />}
        {tab === 'orders' && <Orders account={account} onAccount={setAccount} />}
        {tab === 'eab' && <EabKeysSection />}
      </div>
    </section>
  );
}

function Accounts({ onOrders }: { onOrders: (id: string) => void }) {
  const api = useApi();
  const accounts = useQuery({
    queryKey: ['acme-accounts'],
    queryFn: () => api.call('get', '/api/v1/acme/accounts', { query: { limit: LIMIT } }),
  });
  return (
    <Loadable query={accounts}>
      {(data) =>
        data.data.length === 0 ? (
          <p className="muted">No ACME account yet (docs/acme.md says how clients register).</p>
        ) : (
          <TableShell headers={['Account', 'Profile', 'Status', 'Contact', 'EAB key', 'Created', 'Orders']}>
            {data.data.map((row) => (
              <tr key={row.id} data-id={row.id}>
                <td className="mono">{row.id}</td>
                <td>{row.profile_id}</td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>{row.contact.join(', ') || '—'}</td>
                <td className="mono">{row.eab_key_id ?? '—'}</td>
                <td>{formatDate(row.created_at)}</td>
                <td>
                  <button type="button" className="link" onClick={() => onOrders(row.id)}>
                    Orders of {row.id}
                  </button>
                </td>
              </tr>
            ))}
          </TableShell>
        )
      }
    </Loadable>
  );
}

function Orders({ account, onAccount }: { account: string; onAccount: (id: string) => void }) {
  const api = useApi();
  const [status, setStatus] = useState('');
  const orders = useQuery({
    queryKey: ['acme-orders', account, status],
    queryFn: () =>
      api.call('get', '/api/v1/acme/orders', { query: { limit: LIMIT, account_id: account || undefined, status: status || undefined } }),
  });
  return (
    <>
      <div className="filters">
        <div className="field">
          <label htmlFor="order-account">Account</label>
          <input id="order-account" value={account} onChange={(event) => onAccount(event.target.value.trim())} />
        </div>
        <SelectFilter
          id="order-status"
          label="Status"
          value={status}
          values={['pending', 'ready', 'processing', 'valid', 'invalid']}
          onChange={(next) => setStatus(next)}
        />
      </div>
      <Loadable query={orders}>
        {(data) =>
          data.data.length === 0 ? (
            <p className="muted">No orders.</p>
          ) : (
            <TableShell headers={['Order', 'Account', 'Status', 'Identifiers', 'Certificate', 'Expires', 'Created']}>
              {data.data.map((row) => (
                <tr key={row.id} data-id={row.id}>
                  <td className="mono">{row.id}</td>
                  <td className="mono">{row.account_id}</td>
                  <td>
                    <StatusBadge status={row.status} />
                  </td>
                  <td>{row.identifiers.map((identifier) => identifier.value).join(', ')}</td>
                  <td>
                    {row.certificate_id ? (
                      <Link href={`/certificates/${encodeURIComponent(row.certificate_id)}`}>{row.certificate_id}</Link>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{formatDate(row.expires_at)}</td>
                  <td>{formatDate(row.created_at)}</td>
                </tr>
              ))}
            </TableShell>
          )
        }
      </Loadable>
    </>
  );
}
