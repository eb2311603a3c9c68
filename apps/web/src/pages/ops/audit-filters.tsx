import { type FormEvent, useState } from 'react';

/** The filters the audit API applies on the server. Times are ISO 8601 (UTC) or empty. */
export interface AuditFilters {
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string;
  since: string;
  until: string;
}
export const NO_AUDIT_FILTERS: AuditFilters = { actor: '', action: '', resource_type: '', resource_id: '', since: '', until: '' };

const TEXT_FIELDS = [
  { name: 'actor', label: 'Actor', hint: 'apikey:alice' },
  { name: 'action', label: 'Action', hint: 'certificate.revoke' },
  { name: 'resource_type', label: 'Resource type', hint: 'certificate' },
  { name: 'resource_id', label: 'Resource id', hint: '' },
] as const;

/** A datetime-local value (read as UTC) to ISO 8601, or '' when empty or not a date. */
export function localToIso(value: string): string {
  if (!value) return '';
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** The query the list and the export send: only the filled filters. */
export function auditQuery(filters: AuditFilters): Partial<AuditFilters> {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== '')) as Partial<AuditFilters>;
}

/**
 * The audit filter form: exact actor, action, resource type and id, and a time range (UTC);
 * nothing is sent until Apply; Clear resets every field and applies at once.
 */
export function AuditFilterForm({ onApply }: { onApply: (filters: AuditFilters) => void }) {
  const [draft, setDraft] = useState(NO_AUDIT_FILTERS);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [error, setError] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const range = { since: localToIso(since), until: localToIso(until) };
    if (range.since && range.until && range.since >= range.until) {
      setError('"From" must be before "To".');
      return;
    }
    setError('');
    onApply({ ...draft, ...range, actor: draft.actor.trim(), action: draft.action.trim() });
  };
  const clear = () => {
    setDraft(NO_AUDIT_FILTERS);
    setSince('');
    setUntil('');
    setError('');
    onApply(NO_AUDIT_FILTERS);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Audit filters">
      {TEXT_FIELDS.map((field) => (
        <div className="field" key={field.name}>
          <label htmlFor={`audit-${field.name}`}>{field.label}</label>
          <input
            id={`audit-${field.name}`}
            placeholder={field.hint}
            value={draft[field.name]}
            onChange={(event) => setDraft({ ...draft, [field.name]: event.target.value })}
          />
        </div>
      ))}
      <div className="field">
        <label htmlFor="audit-since">From (UTC)</label>
        <input id="audit-since" type="datetime-local" value={since} onChange={(event) => setSince(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="audit-until">To (UTC)</label>
        <input id="audit-until" type="datetime-local" value={until} onChange={(event) => setUntil(event.target.value)} />
      </div>
      <button type="submit" className="primary">
        Apply
      </button>
      <button type="button" onClick={clear}>
        Clear
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
