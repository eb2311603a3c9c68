import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ResponseOf } from '../api/client';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { Loadable } from '../components/problem';
import { StatusBadge, formatDate } from '../components/status';
import { TableShell } from '../components/table-shell';
import { Link } from '../router';
import { JobDecision } from './job-decision';

export type Job = ResponseOf<'/api/v1/jobs/{id}', 'get'>;
const JOB_STATUSES = ['pending', 'awaiting_approval', 'awaiting_csr', 'running', 'completed', 'failed', 'cancelled'] as const;

/** Jobs: the approval queue (approve / reject with a reason) and every job, filtered by status. */
export function JobsPage() {
  const api = useApi();
  const { can } = useSession();
  const [status, setStatus] = useState<string>('');
  const queue = useQuery({
    queryKey: ['jobs', { status: 'awaiting_approval' }],
    queryFn: () => api.call('get', '/api/v1/jobs', { query: { status: 'awaiting_approval', limit: 200 } }),
  });
  const all = useQuery({
    queryKey: ['jobs', { status }],
    queryFn: () =>
      api.call('get', '/api/v1/jobs', {
        query: { status: (status || undefined) as (typeof JOB_STATUSES)[number] | undefined, limit: 100 },
      }),
  });
  return (
    <section>
      <h1>Jobs</h1>
      <section aria-labelledby="approval-queue">
        <h2 id="approval-queue">Approval queue</h2>
        <p className="muted">
          Jobs held by a profile that requires approval. The two-person rule applies: whoever requested a job (with any key of theirs) can
          neither approve nor reject it.
        </p>
        <Loadable query={queue}>
          {(data) =>
            data.data.length === 0 ? (
              <p className="muted">Nothing awaits approval.</p>
            ) : (
              <JobTable jobs={data.data} decide={can('jobs:approve')} />
            )
          }
        </Loadable>
      </section>
      <div className="page-head">
        <h2>All jobs</h2>
        <div className="field">
          <label htmlFor="job-status">Status</label>
          <select id="job-status" value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">Any</option>
            {JOB_STATUSES.map((value) => (
              <option key={value} value={value}>
                {value.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Loadable query={all}>{(data) => <JobTable jobs={data.data} />}</Loadable>
    </section>
  );
}

/** A table of jobs; with `decide`, each row awaiting approval gets the approve / reject form. */
export function JobTable({ jobs, decide = false }: { jobs: Job[]; decide?: boolean }) {
  if (jobs.length === 0) return <p className="muted">No jobs.</p>;
  return (
    <TableShell headers={['Job', 'Type', 'Status', 'Certificate', 'Requested by', 'Attempts', 'Updated', 'Detail', decide && 'Decision']}>
      {jobs.map((job) => (
        <tr key={job.id} data-id={job.id}>
          <td className="mono">{job.id}</td>
          <td>{job.type}</td>
          <td>
            <StatusBadge status={job.status} />
          </td>
          <td>
            <Link href={`/certificates/${encodeURIComponent(job.certificate_id)}`}>{job.certificate_id}</Link>
          </td>
          <td>{job.requested_by}</td>
          <td>
            {job.attempts}/{job.max_attempts}
          </td>
          <td>{formatDate(job.updated_at)}</td>
          <td className="detail">
            {verificationSummary(job.result) ?? job.last_error ?? job.waiting_reason?.detail ?? job.decision_reason ?? ''}
          </td>
          {decide && <td>{job.status === 'awaiting_approval' && <JobDecision job={job} />}</td>}
        </tr>
      ))}
    </TableShell>
  );
}

/**
 * A deployment's post-deployment check in one line: "verified: ok · fingerprint · address · when",
 * or why it failed (and whether the previous files are back); null when there was no check.
 */
export function verificationSummary(result: Job['result']): string | null {
  const check = result?.verification;
  if (!check) return null;
  if (check.ok) return `verified: ok · ${check.served_fingerprint ?? ''} · ${check.address} · ${formatDate(check.verified_at)}`;
  const served = check.served_fingerprint ? ` (served ${check.served_fingerprint})` : '';
  return `verification failed at ${check.address}${served}: ${check.error ?? 'unknown error'}${result.rolled_back ? '; rolled back' : ''}`;
}
