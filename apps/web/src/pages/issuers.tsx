import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api/use-api';
import { CreatePanel } from '../components/create-panel';
import type { JsonSchema } from '../components/schema-fields';
import { Loadable } from '../components/problem';
import { Link } from '../router';
import { type IssuerNode, issuerForest } from './issuer-tree';

/** Issuers as a tree: root CAs → intermediates → issuing CAs, then the connector issuers. */
export function IssuersPage() {
  const api = useApi();
  const issuers = useQuery({ queryKey: ['issuers'], queryFn: () => api.call('get', '/api/v1/issuers') });
  // Each connector's own config schema: the New issuer form shows its fields instead of one JSON box.
  const types = useQuery({
    queryKey: ['issuer-types'],
    queryFn: () => api.call('get', '/api/v1/issuer-types'),
    staleTime: Infinity,
    refetchInterval: false,
  });
  const configSchemas = types.data && Object.fromEntries(types.data.data.map((entry) => [entry.type, entry.config_schema as JsonSchema]));
  return (
    <section>
      <div className="page-head">
        <h1>Issuers</h1>
      </div>
      <CreatePanel path="/api/v1/issuers" singular="issuer" refresh={['issuers']} configSchemas={configSchemas} />
      <Loadable query={issuers}>
        {(data) => {
          const forest = issuerForest(data.data);
          return (
            <>
              <h2 id="ca-tree">Certificate authorities</h2>
              {forest.cas.length ? <IssuerTree nodes={forest.cas} labelledBy="ca-tree" /> : <p className="muted">No local CA.</p>}
              <h2 id="connector-list">Connector issuers</h2>
              {forest.connectors.length ? (
                <IssuerTree nodes={forest.connectors} labelledBy="connector-list" />
              ) : (
                <p className="muted">No connector issuer (ACME, script, …).</p>
              )}
            </>
          );
        }}
      </Loadable>
    </section>
  );
}

/** Nested lists (keyboard: Tab through the links); each node names its role, type and state. */
export function IssuerTree({ nodes, labelledBy }: { nodes: IssuerNode[]; labelledBy?: string }) {
  return (
    <ul className="issuer-tree" aria-labelledby={labelledBy}>
      {nodes.map((node) => (
        <li key={node.issuer.id} data-issuer={node.issuer.id} data-role={node.role}>
          <Link href={`/issuers/${encodeURIComponent(node.issuer.id)}`}>{node.issuer.name}</Link> <span className="badge">{node.role}</span>{' '}
          <span className="muted">{node.issuer.type}</span>
          {!node.issuer.enabled && <span className="badge warn">retired</span>}
          {node.children.length > 0 && <IssuerTree nodes={node.children} />}
        </li>
      ))}
    </ul>
  );
}
