import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ResponseOf } from '../api/client';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { Problem } from '../components/problem';
import { type RevocationReason, RevokeReasonSelect } from '../components/revoke-reason';

type BulkRenew = ResponseOf<'/api/v1/certificates/bulk-renew', 'post'>;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Bulk renew / revoke of the selected certificates, each followed by a progress view from the jobs the API returns. */
export function BulkActions({ ids, onClear }: { ids: string[]; onClear: () => void }) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState<RevocationReason>('superseded');
  const renew = useMutation({ mutationFn: () => api.call('post', '/api/v1/certificates/bulk-renew', { body: { ids } }) });
  const revoke = useMutation({
    mutationFn: () => api.call('post', '/api/v1/certificates/bulk-revoke', { body: { ids, reason } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['certificates'] }),
  });
  if (!can('certificates:write') && !can('certificates:bulk_revoke')) return null;
  return (
    <section className="bulk card" aria-label="Bulk actions">
      <p>
        <strong>{ids.length}</strong> selected.{' '}
        <button type="button" className="link" onClick={onClear} disabled={ids.length === 0}>
          Clear selection
        </button>
      </p>
      <div className="actions">
        {can('certificates:write') && (
          <button type="button" className="primary" disabled={ids.length === 0 || renew.isPending} onClick={() => renew.mutate()}>
            Renew selected
          </button>
        )}
        {can('certificates:bulk_revoke') && (
          <>
            <RevokeReasonSelect id="bulk-revoke-reason" value={reason} onChange={setReason} />
            <button type="button" className="danger" disabled={ids.length === 0 || revoke.isPending} onClick={() => revoke.mutate()}>
              Revoke selected
            </button>
          </>
        )}
      </div>
      {renew.error && <Problem error={renew.error} />}
      {revoke.error && <Problem error={revoke.error} />}
      {renew.data && <RenewProgress result={renew.data} />}
      {revoke.data && <RevokeProgress id={revoke.data.id} />}
    </section>
  );
}

/** Polls every job of a bulk renewal until each has completed, failed or been cancelled. */
export function RenewProgress({ result }: { result: BulkRenew }) {
  const api = useApi();
  const jobs = useQueries({
    queries: result.jobs.map((job) => ({
      queryKey: ['job', job.job_id],
      queryFn: () => api.call('get', '/api/v1/jobs/{id}', { params: { id: job.job_id } }),
      refetchInterval: (query: { state: { data?: { status: string } } }) => (TERMINAL.has(query.state.data?.status ?? '') ? false : 1000),
    })),
  });
  const count = (status: string) => jobs.filter((job) => job.data?.status === status).length;
  const done = count('completed');
  const failed = count('failed') + count('cancelled');
  const awaiting = count('awaiting_approval');
  const total = result.jobs.length;
  return (
    <div className="progress-view" role="status" aria-live="polite" data-testid="renew-progress">
      <p>
        Renewal: {result.queued} queued of {result.requested} requested
        {result.skipped.length > 0 && `, ${result.skipped.length} skipped`}.
      </p>
      <progress max={Math.max(total, 1)} value={done + failed} aria-label="Renewal progress" />
      <p>
        <span data-testid="renew-done">{done}</span> of {total} completed, {failed} failed
        {awaiting > 0 && `, ${awaiting} awaiting approval`}
        {total > 0 && done + failed === total && ' — finished.'}
      </p>
      {result.skipped.length > 0 && (
        <ul className="skipped">
          {result.skipped.map((skip) => (
            <li key={skip.certificate_id}>
              {skip.certificate_id}: {skip.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Polls a bulk revocation until it has completed or failed. */
function RevokeProgress({ id }: { id: string }) {
  const api = useApi();
  const progress = useQuery({
    queryKey: ['bulk-revoke', id],
    queryFn: () => api.call('get', '/api/v1/certificates/bulk-revoke/{id}', { params: { id } }),
    refetchInterval: (query) => (TERMINAL.has(query.state.data?.status ?? '') ? false : 1000),
  });
  if (progress.error) return <Problem error={progress.error} />;
  const data = progress.data;
  return (
    <div className="progress-view" role="status" aria-live="polite" data-testid="revoke-progress">
      <progress max={Math.max(data?.total ?? 1, 1)} value={(data?.revoked ?? 0) + (data?.failed ?? 0)} aria-label="Revocation progress" />
      <p>
        Revocation {data?.status ?? 'queued'}: {data?.revoked ?? 0} of {data?.total ?? '…'} revoked, {data?.failed ?? 0} failed.
      </p>
      {data?.errors.map((error) => (
        <p key={error.certificate_id} className="error">
          {error.certificate_id}: {error.error}
        </p>
      ))}
    </div>
  );
}
