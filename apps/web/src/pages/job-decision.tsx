import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../api/client';
import { useApi } from '../api/use-api';
import { Problem } from '../components/problem';

/** Approve or reject one held job with an optional reason; a two-person-rule refusal is explained. */
export function JobDecision({ job }: { job: { id: string; requested_by: string } }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: (verb: 'approve' | 'reject') =>
      api.call('post', verb === 'approve' ? '/api/v1/jobs/{id}/approve' : '/api/v1/jobs/{id}/reject', {
        params: { id: job.id },
        body: reason.trim() ? { reason: reason.trim() } : {},
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['jobs'] }),
  });
  // The API refuses a self-decision with a 403 naming the rule: the rule, not the role, is the reason.
  const twoPerson = decide.error instanceof ApiError && /another person must/.test(decide.error.message);
  return (
    <div className="decision">
      <label htmlFor={`reason-${job.id}`}>Reason</label>
      <input id={`reason-${job.id}`} value={reason} maxLength={1000} onChange={(event) => setReason(event.target.value)} />
      <button type="button" className="primary" disabled={decide.isPending} onClick={() => decide.mutate('approve')}>
        Approve
      </button>
      <button type="button" className="danger" disabled={decide.isPending} onClick={() => decide.mutate('reject')}>
        Reject
      </button>
      {twoPerson ? (
        <div role="alert" className="notice warn" data-testid="two-person">
          <strong>Two-person rule.</strong> This job was requested by {job.requested_by} — you, or a key of the same owner — so someone else
          must approve or reject it. {(decide.error as ApiError).message}
        </div>
      ) : (
        decide.error && <Problem error={decide.error} />
      )}
      {decide.data && <p role="status">Job {decide.data.status.replace(/_/g, ' ')}.</p>}
    </div>
  );
}
