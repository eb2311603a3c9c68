import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { Loadable, Problem } from '../components/problem';
import { type RevocationReason, RevokeReasonSelect } from '../components/revoke-reason';
import { StatusBadge, formatDate } from '../components/status';
import { TableShell } from '../components/table-shell';
import { Link } from '../router';
import { JobTable } from './jobs';

/** One certificate: facts, renew / revoke (by role), versions, jobs, deployments per target, PEM. */
export function CertificateDetailPage({ id }: { id: string }) {
  const api = useApi();
  const certificate = useQuery({
    queryKey: ['certificate', id],
    queryFn: () => api.call('get', '/api/v1/certificates/{id}', { params: { id } }),
  });
  const versions = useQuery({
    queryKey: ['versions', id],
    queryFn: () => api.call('get', '/api/v1/certificates/{id}/versions', { params: { id } }),
  });
  const jobs = useQuery({
    queryKey: ['jobs', { certificate_id: id }],
    queryFn: () => api.call('get', '/api/v1/jobs', { query: { certificate_id: id, limit: 100 } }),
  });
  return (
    <section>
      <p>
        <Link href="/certificates">← Certificates</Link>
      </p>
      <Loadable query={certificate}>
        {(cert) => (
          <>
            <div className="page-head">
              <h1>{cert.name}</h1>
              <StatusBadge status={cert.status} />
            </div>
            <dl className="facts">
              <dt>Common name</dt>
              <dd>{cert.common_name}</dd>
              <dt>SANs</dt>
              <dd>{cert.sans.join(', ') || '—'}</dd>
              <dt>Serial</dt>
              <dd>{cert.serial_number ?? '—'}</dd>
              <dt>Valid</dt>
              <dd>
                {formatDate(cert.not_before)} → {formatDate(cert.not_after)}
              </dd>
              <dt>Issuer · profile</dt>
              <dd>
                {cert.issuer_id} · {cert.profile_id ?? 'none'}
              </dd>
              <dt>Owner · team</dt>
              <dd>
                {cert.owner_id} · {cert.team_id}
              </dd>
              <dt>Next renewal</dt>
              <dd>{cert.renewal ? `${formatDate(cert.renewal.due_at)} (${cert.renewal.explanation})` : '—'}</dd>
            </dl>
            <Actions id={id} revoked={cert.status === 'revoked'} />
            <h2>Deployments per target</h2>
            <Deployments targetIds={cert.target_ids} jobs={jobs.data?.data ?? []} />
            <h2>PEM</h2>
            {cert.certificate_pem ? (
              <pre className="pem" tabIndex={0} aria-label="Certificate PEM">
                {cert.certificate_pem}
                {cert.chain_pem ?? ''}
              </pre>
            ) : (
              <p className="muted">Not issued yet.</p>
            )}
          </>
        )}
      </Loadable>
      <h2>Versions</h2>
      <Loadable query={versions}>
        {(data) => (
          <TableShell headers={['Serial', 'Valid until', 'Key', 'Cause', 'Issued']}>
            {data.data.map((version) => (
              <tr key={version.id}>
                <td className="mono">{version.serial_number}</td>
                <td>{formatDate(version.not_after)}</td>
                <td>
                  {version.key_algorithm} {version.key_size} ({version.key_source})
                </td>
                <td>{version.cause ? `${version.cause.job_type} by ${version.cause.requested_by}` : '—'}</td>
                <td>{formatDate(version.created_at)}</td>
              </tr>
            ))}
          </TableShell>
        )}
      </Loadable>
      <h2>Jobs</h2>
      <Loadable query={jobs}>{(data) => <JobTable jobs={data.data} />}</Loadable>
    </section>
  );
}

function Actions({ id, revoked }: { id: string; revoked: boolean }) {
  const api = useApi();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState<RevocationReason>('superseded');
  const refresh = () => void queryClient.invalidateQueries({ predicate: (query) => JSON.stringify(query.queryKey).includes(id) });
  const renew = useMutation({
    mutationFn: () => api.call('post', '/api/v1/certificates/{id}/renew', { params: { id } }),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: () => api.call('post', '/api/v1/certificates/{id}/revoke', { params: { id }, body: { reason } }),
    onSuccess: refresh,
  });
  const submitRevoke = (event: FormEvent) => {
    event.preventDefault();
    if (window.confirm(`Revoke this certificate (${reason})? This cannot be undone.`)) revoke.mutate();
  };
  if (!can('certificates:write') && !can('certificates:revoke')) return null;
  return (
    <div className="actions card" aria-label="Certificate actions">
      {can('certificates:write') && (
        <button type="button" className="primary" disabled={renew.isPending || revoked} onClick={() => renew.mutate()}>
          Renew now
        </button>
      )}
      {can('certificates:revoke') && !revoked && (
        <form className="inline" onSubmit={submitRevoke}>
          <RevokeReasonSelect id="revoke-reason" value={reason} onChange={setReason} />
          <button type="submit" className="danger" disabled={revoke.isPending}>
            Revoke
          </button>
        </form>
      )}
      {renew.data && (
        <p role="status">
          Renewal job {renew.data.job_id} is {renew.data.status.replace(/_/g, ' ')}.
        </p>
      )}
      {revoke.isSuccess && <p role="status">Revoked ({reason}).</p>}
      {renew.error && <Problem error={renew.error} />}
      {revoke.error && <Problem error={revoke.error} />}
    </div>
  );
}

function Deployments({ targetIds, jobs }: { targetIds: string[]; jobs: { type: string; status: string; updated_at: string }[] }) {
  if (targetIds.length === 0) return <p className="muted">Not assigned to any deployment target.</p>;
  const latest = jobs.filter((job) => job.type === 'deployment').sort((a, b) => b.updated_at.localeCompare(a.updated_at))[0];
  return (
    <ul className="counts">
      {targetIds.map((targetId) => (
        <li key={targetId}>
          <span className="mono">{targetId}</span>
          {latest ? <StatusBadge status={latest.status} /> : <span className="muted">no deployment yet</span>}
        </li>
      ))}
    </ul>
  );
}
