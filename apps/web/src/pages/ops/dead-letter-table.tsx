import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ResponseOf } from '../../api/client';
import { useApi } from '../../api/use-api';
import { useSession } from '../../auth/session';
import { Problem } from '../../components/problem';
import { StatusBadge, formatDate } from '../../components/status';
import { TableShell } from '../../components/table-shell';

export type Delivery = ResponseOf<'/api/v1/notifications', 'get'>['data'][number];

interface Outcome {
  requeued: string[];
  failed: { id: string; error: unknown }[];
}

/**
 * Dead notifications (every retry spent): why each died, and — for a role with
 * notifications:manage — requeue one, or the selected ones (one POST each, in order).
 */
export function DeadLetterTable({ rows }: { rows: Delivery[] }) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const manage = can('notifications:manage');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const requeue = async (ids: string[]) => {
    setBusy(true);
    const result: Outcome = { requeued: [], failed: [] };
    for (const id of ids) {
      try {
        await api.call('post', '/api/v1/notifications/{id}/requeue', { params: { id } });
        result.requeued.push(id);
      } catch (error) {
        result.failed.push({ id, error });
      }
    }
    setOutcome(result);
    setSelected(new Set());
    setBusy(false);
    await queryClient.invalidateQueries({ queryKey: ['notifications'] });
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const all = rows.length > 0 && rows.every((row) => selected.has(row.id));
  return (
    <>
      {manage && (
        <div className="actions">
          <label className="check">
            <input type="checkbox" checked={all} onChange={() => setSelected(all ? new Set() : new Set(rows.map((row) => row.id)))} />
            Select all dead notifications
          </label>
          <button type="button" className="primary" disabled={busy || selected.size === 0} onClick={() => void requeue([...selected])}>
            Requeue selected ({selected.size})
          </button>
        </div>
      )}
      {outcome && (
        <div role="status" data-testid="requeue-outcome">
          {outcome.requeued.length} requeued{outcome.failed.length ? `, ${outcome.failed.length} refused:` : '.'}
          {outcome.failed.map((failure) => (
            <Problem key={failure.id} error={failure.error} />
          ))}
        </div>
      )}
      {rows.length === 0 ? (
        <p className="muted">No dead notifications.</p>
      ) : (
        <TableShell
          headers={[manage && 'Select', 'Event', 'Channel', 'Certificate', 'Attempts', 'Last error', 'Created', manage && 'Action']}
        >
          {rows.map((row) => (
            <tr key={row.id} data-id={row.id}>
              {manage && (
                <td>
                  <input type="checkbox" aria-label={`Select ${row.id}`} checked={selected.has(row.id)} onChange={() => toggle(row.id)} />
                </td>
              )}
              <td>{row.event}</td>
              <td>{row.channel}</td>
              <td className="mono">{row.certificate_id ?? '—'}</td>
              <td>{row.retry_count}</td>
              <td className="detail">{row.last_error ?? ''}</td>
              <td>{formatDate(row.created_at)}</td>
              {manage && (
                <td>
                  <button type="button" disabled={busy} onClick={() => void requeue([row.id])} aria-label={`Requeue ${row.id}`}>
                    Requeue
                  </button>
                </td>
              )}
            </tr>
          ))}
        </TableShell>
      )}
    </>
  );
}

/** Every delivery with its status (pending, sent, failed, dead). */
export function DeliveryTable({ rows }: { rows: Delivery[] }) {
  if (rows.length === 0) return <p className="muted">No notifications.</p>;
  return (
    <TableShell headers={['Event', 'Channel', 'Recipient', 'Status', 'Attempts', 'Sent', 'Created', 'Last error']}>
      {rows.map((row) => (
        <tr key={row.id} data-id={row.id}>
          <td>{row.event}</td>
          <td>{row.channel}</td>
          <td>{row.recipient}</td>
          <td>
            <StatusBadge status={row.status} />
          </td>
          <td>{row.retry_count}</td>
          <td>{formatDate(row.sent_at)}</td>
          <td>{formatDate(row.created_at)}</td>
          <td className="detail">{row.last_error ?? ''}</td>
        </tr>
      ))}
    </TableShell>
  );
}
