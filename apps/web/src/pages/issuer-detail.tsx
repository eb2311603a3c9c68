import { useMutation, useQuery } from '@tanstack/react-query';
import { collectPages, useApi } from '../api/use-api';
import { useSession } from '../auth/session';
import { Loadable, Problem } from '../components/problem';
import { formatDate } from '../components/status';
import { Link } from '../router';
import { type Issuer, chainOf } from './issuer-tree';

const COUNT_PAGES = 10;
const COUNT_PAGE_SIZE = 500;

/** One issuer: its chain up to the root, the connector configuration (secrets answered masked), its certificates and the Test action. */
export function IssuerDetailPage({ id }: { id: string }) {
  const api = useApi();
  const issuer = useQuery({ queryKey: ['issuer', id], queryFn: () => api.call('get', '/api/v1/issuers/{id}', { params: { id } }) });
  const all = useQuery({ queryKey: ['issuers'], queryFn: () => api.call('get', '/api/v1/issuers') });
  return (
    <section>
      <p>
        <Link href="/issuers">← Issuers</Link>
      </p>
      <Loadable query={issuer}>
        {(data) => (
          <>
            <h1>{data.name}</h1>
            <dl className="facts">
              <dt>Id</dt>
              <dd>
                <code>{data.id}</code>
              </dd>
              <dt>Type</dt>
              <dd>{data.type}</dd>
              <dt>State</dt>
              <dd>{data.enabled ? 'enabled' : 'retired'}</dd>
              <dt>Created</dt>
              <dd>{formatDate(data.created_at)}</dd>
              <dt>Certificates</dt>
              <dd data-testid="issuer-certificates">
                <CertificateCount id={data.id} />
              </dd>
            </dl>
            <IssuerTest id={data.id} />
            {all.data && <Chain chain={chainOf(all.data.data, data.id)} />}
            <h2>Connector configuration</h2>
            {Object.keys(data.config).length ? (
              <pre className="pem" tabIndex={0} aria-label="Connector configuration" data-testid="issuer-config">
                {JSON.stringify(data.config, null, 2)}
              </pre>
            ) : (
              <p className="muted">No connector configuration (a local CA keeps its key encrypted in the database).</p>
            )}
            {data.ca_certificate_pem && (
              <details>
                <summary>CA certificate (PEM)</summary>
                <pre className="pem" tabIndex={0} aria-label="CA certificate PEM">
                  {data.ca_certificate_pem}
                </pre>
              </details>
            )}
            {data.ca_chain_pem && (
              <details>
                <summary>Chain above it (PEM)</summary>
                <pre className="pem" tabIndex={0} aria-label="CA chain PEM">
                  {data.ca_chain_pem}
                </pre>
              </details>
            )}
          </>
        )}
      </Loadable>
    </section>
  );
}

function Chain({ chain }: { chain: Issuer[] }) {
  return (
    <>
      <h2>Chain</h2>
      <ol className="chain" aria-label="Chain from the root">
        {chain.map((link) => (
          <li key={link.id}>
            <Link href={`/issuers/${encodeURIComponent(link.id)}`}>{link.name}</Link>
          </li>
        ))}
      </ol>
    </>
  );
}

/** How many certificates name this issuer (the list filtered by issuer_id, counted up to 5,000). */
function CertificateCount({ id }: { id: string }) {
  const api = useApi();
  const count = useQuery({
    queryKey: ['issuer-certificates', id],
    queryFn: () =>
      collectPages(
        (cursor) => api.call('get', '/api/v1/certificates', { query: { issuer_id: id, limit: COUNT_PAGE_SIZE, cursor } }),
        () => true,
        COUNT_PAGES,
      ),
  });
  if (count.error) return <Problem error={count.error} />;
  if (!count.data) return <span className="muted">counting…</span>;
  const total = count.data.rows.length;
  return <Link href={`/certificates?issuer_id=${encodeURIComponent(id)}`}>{count.data.complete ? total : `more than ${total}`}</Link>;
}

/** The connector's health check (POST /api/v1/issuers/{id}/test), for roles that may write issuers. */
function IssuerTest({ id }: { id: string }) {
  const api = useApi();
  const { can } = useSession();
  const test = useMutation({ mutationFn: () => api.call('post', '/api/v1/issuers/{id}/test', { params: { id } }) });
  if (!can('issuers:write')) return null;
  return (
    <div className="card">
      <button type="button" className="primary" disabled={test.isPending} onClick={() => test.mutate()}>
        {test.isPending ? 'Testing…' : 'Test'}
      </button>
      {test.error && <Problem error={test.error} />}
      {test.data && (
        <p role="status" data-testid="issuer-test-result" className={test.data.ok ? 'notice ok' : 'notice error'}>
          <strong>{test.data.ok ? 'Healthy' : 'Failed'}</strong> in {test.data.duration_ms} ms: {test.data.detail}
          {test.data.capabilities.length > 0 && ` (capabilities: ${test.data.capabilities.join(', ')})`}
        </p>
      )}
    </div>
  );
}
