import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useApi } from '../../api/use-api';
import { Problem } from '../../components/problem';
import { SecretOnce } from '../../components/secret-once';
import { localToIso } from './audit-filters';

export const ROLES = ['viewer', 'operator', 'admin', 'agent'] as const;
type Role = (typeof ROLES)[number];

/** The create form: name, role (an agent key names its agent), optional principal and expiry; the key is shown once. */
export function CreateApiKey() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ name: '', role: 'viewer' as Role, principal: '', agent_id: '', expires: '' });
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api.call('post', '/api/v1/api-keys', {
        body: {
          name: form.name.trim(),
          role: form.role,
          ...(form.principal.trim() ? { principal: form.principal.trim() } : {}),
          ...(form.role === 'agent' ? { agent_id: form.agent_id.trim() } : {}),
          ...(form.expires ? { expires_at: localToIso(form.expires) } : {}),
        },
      }),
    onSuccess: (created) => {
      setSecret({ name: created.name, key: created.key });
      setForm({ ...form, name: '', principal: '', agent_id: '' });
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const set = (name: keyof typeof form) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [name]: event.target.value });
  return (
    <>
      <form className="inline card" onSubmit={submit} aria-label="Create an API key">
        <div className="field">
          <label htmlFor="new-key-name">Name</label>
          <input id="new-key-name" required maxLength={64} pattern="[a-z0-9][a-z0-9._\-]*" value={form.name} onChange={set('name')} />
        </div>
        <div className="field">
          <label htmlFor="new-key-role">Role</label>
          <select id="new-key-role" value={form.role} onChange={set('role')}>
            {ROLES.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </div>
        {form.role === 'agent' && (
          <div className="field">
            <label htmlFor="new-key-agent">Agent id</label>
            <input id="new-key-agent" required value={form.agent_id} onChange={set('agent_id')} />
          </div>
        )}
        <div className="field">
          <label htmlFor="new-key-principal">Principal (optional)</label>
          <input id="new-key-principal" maxLength={255} value={form.principal} onChange={set('principal')} />
        </div>
        <div className="field">
          <label htmlFor="new-key-expires">Expires (UTC, optional)</label>
          <input id="new-key-expires" type="datetime-local" value={form.expires} onChange={set('expires')} />
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.error && <Problem error={create.error} />}
      {secret && (
        <SecretOnce title={`API key ${secret.name} created`} label="API key" secret={secret.key} onClose={() => setSecret(null)} />
      )}
    </>
  );
}
