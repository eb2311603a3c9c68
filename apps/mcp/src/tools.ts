/**
 * The tools `certctl-mcp` offers: each one route of the REST API. Reads and safe actions are
 * always there; destructive ones (revocation, private key download, API key creation) only
 * when the server is started with --allow-destructive (docs/mcp.md).
 */
export interface ToolSpec {
  name: string;
  description: string;
  method: 'GET' | 'POST';
  /** The OpenAPI path (`{id}` parameters), the key of docs/openapi.json's `paths`. */
  path: string;
  kind: 'read' | 'action' | 'destructive';
}

const read = (name: string, path: string, description: string): ToolSpec => ({ name, description, method: 'GET', path, kind: 'read' });
const action = (name: string, path: string, description: string): ToolSpec => ({ name, description, method: 'POST', path, kind: 'action' });
const destructive = (name: string, method: ToolSpec['method'], path: string, description: string): ToolSpec => ({
  name,
  description,
  method,
  path,
  kind: 'destructive',
});

export const TOOL_SPECS: readonly ToolSpec[] = [
  read(
    'list_certificates',
    '/api/v1/certificates',
    'List managed certificates (filters: status, issuer_id, owner_id, team_id, expires_before, q; paged with cursor)',
  ),
  read('get_certificate', '/api/v1/certificates/{id}', 'One managed certificate with its current version'),
  read('list_jobs', '/api/v1/jobs', 'List issuance, renewal, deployment and revocation jobs, newest first'),
  read('get_job', '/api/v1/jobs/{id}', 'One job'),
  read('list_issuers', '/api/v1/issuers', 'List issuers (certificate authorities and connectors)'),
  read('get_issuer', '/api/v1/issuers/{id}', 'One issuer'),
  read('list_agents', '/api/v1/agents', 'List deployment agents'),
  read('get_agent', '/api/v1/agents/{id}', 'One agent'),
  read('list_notifications', '/api/v1/notifications', 'List notifications (alerts) and their delivery status'),
  read('list_audit_events', '/api/v1/audit', 'List audit events (who did what, when)'),
  read('list_discovered_certificates', '/api/v1/discovered-certificates', 'List certificates found by agents and network scans'),
  read('platform_summary', '/api/v1/stats/summary', "The platform's summary counts (certificates by status, expiring, jobs)"),
  read('gateway_readiness', '/ready', "The gateway's readiness and its checks (database, Redis, NATS)"),
  action('create_certificate', '/api/v1/certificates', 'Create a managed certificate; its issuance is queued (or held for approval)'),
  action('renew_certificate', '/api/v1/certificates/{id}/renew', 'Renew a certificate now (queues a renewal job)'),
  action('approve_job', '/api/v1/jobs/{id}/approve', 'Approve a job awaiting approval (not one the same person requested)'),
  action('reject_job', '/api/v1/jobs/{id}/reject', 'Reject a job awaiting approval'),
  action('cancel_job', '/api/v1/jobs/{id}/cancel', 'Cancel a job that has not started'),
  action('retry_job', '/api/v1/jobs/{id}/retry', 'Retry a failed issuance or renewal job'),
  action('requeue_notification', '/api/v1/notifications/{id}/requeue', 'Send a dead-lettered notification again'),
  action('test_issuer', '/api/v1/issuers/{id}/test', "Test an issuer's connection and configuration"),
  destructive(
    'revoke_certificate',
    'POST',
    '/api/v1/certificates/{id}/revoke',
    'Revoke a certificate (irreversible except certificateHold)',
  ),
  destructive('bulk_revoke_certificates', 'POST', '/api/v1/certificates/bulk-revoke', 'Revoke many certificates by ids or a filter'),
  destructive('download_private_key', 'POST', '/api/v1/certificates/{id}/private-key', "Download a certificate's server-side private key"),
  destructive('create_api_key', 'POST', '/api/v1/api-keys', 'Create an API key (its secret is shown once)'),
];

/** The tools a server started with (or without) --allow-destructive offers. */
export function enabledTools(allowDestructive: boolean): ToolSpec[] {
  return TOOL_SPECS.filter((tool) => allowDestructive || tool.kind !== 'destructive');
}
