import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useApi } from '../../api/use-api';
import { ActionButton } from '../../components/confirm-button';
import { Loadable, Problem } from '../../components/problem';
import { SecretOnce } from '../../components/secret-once';
import { formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';

/** EAB keys (admin): create one for a profile (its HMAC key is shown once), see which account it bound, delete. */
export function EabKeysSection() {
  const api = useApi();
  const keys = useQuery({ queryKey: ['eab-keys'], queryFn: () => api.call('get', '/api/v1/acme/eab-keys') });
  return (
    <>
      <CreateEabKey />
      <Loadable query={keys}>
        {(data) =>
          data.data.length === 0 ? (
            <p className="muted">No EAB keys.</p>
          ) : (
            <TableShell headers={['Key id (kid)', 'Profile', 'Description', 'Bound account', 'Created by', 'Created', 'Action']}>
              {data.data.map((row) => (
                <tr key={row.id} data-id={row.id}>
                  <td className="mono">{row.id}</td>
                  <td>{row.profile_id}</td>
                  <td>{row.description}</td>
                  <td className="mono">{row.account_id ? `${row.account_id} (${formatDate(row.bound_at)})` : 'unused'}</td>
                  <td>{row.created_by}</td>
                  <td>{formatDate(row.created_at)}</td>
                  <td>
                    <ActionButton
                      label="Delete"
                      className="danger"
                      confirm={`Delete EAB key ${row.id}? An ACME client that has not registered with it yet can no longer use it.`}
                      refresh={['eab-keys']}
                      run={() => api.call('delete', '/api/v1/acme/eab-keys/{id}', { params: { id: row.id } })}
                    />
                  </td>
                </tr>
              ))}
            </TableShell>
          )
        }
      </Loadable>
    </>
  );
}

/** The create form; the answer's HMAC key goes into the shown-once dialog and nowhere else. */
export function CreateEabKey() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [profileId, setProfileId] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<{ id: string; hmac: string } | null>(null);
  const profiles = useQuery({ queryKey: ['profiles'], queryFn: () => api.call('get', '/api/v1/profiles', { query: { limit: 500 } }) });
  const create = useMutation({
    mutationFn: () => api.call('post', '/api/v1/acme/eab-keys', { body: { profile_id: profileId, description } }),
    onSuccess: (key) => {
      setCreated({ id: key.id, hmac: key.hmac_key });
      setDescription('');
      void queryClient.invalidateQueries({ queryKey: ['eab-keys'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <>
      <form className="inline card" onSubmit={submit} aria-label="Create an EAB key">
        <div className="field">
          <label htmlFor="eab-profile">Profile</label>
          <select id="eab-profile" required value={profileId} onChange={(event) => setProfileId(event.target.value)}>
            <option value="">Choose a profile</option>
            {(profiles.data?.data ?? []).map((profile) => (
              <option key={profile.id} value={profile.id}>
                {profile.name} ({profile.id})
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="eab-description">Description</label>
          <input id="eab-description" maxLength={500} value={description} onChange={(event) => setDescription(event.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={create.isPending || !profileId}>
          Create EAB key
        </button>
      </form>
      {create.error && <Problem error={create.error} />}
      {created && (
        <SecretOnce
          title={`EAB key ${created.id} created`}
          label="HMAC key (base64url)"
          secret={created.hmac}
          extra={
            <p>
              Key id (kid): <code data-testid="eab-kid">{created.id}</code>. Give both to the ACME client (certbot <code>--eab-kid</code> /{' '}
              <code>--eab-hmac-key</code>).
            </p>
          }
          onClose={() => setCreated(null)}
        />
      )}
    </>
  );
}
