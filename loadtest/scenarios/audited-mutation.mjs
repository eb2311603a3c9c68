// An audited write: POST /api/v1/api-keys/{id}/enable on an enabled key. The gateway
// alone answers it (one UPDATE on api_keys) and then records an audit_events row, so
// this measures what auditing costs a mutating request.

export const name = 'audited-mutation';
export const description = 'POST /api/v1/api-keys/{id}/enable (admin key): a gateway-only write, each one audited';

/** Creates (or reuses) one viewer key to re-enable in a loop. */
export async function setup(ctx) {
  const keyName = 'loadtest-audited-mutation';
  const page = await ctx.api('GET', '/api/v1/api-keys?limit=500');
  const existing = page.data.find((k) => k.name === keyName);
  ctx.keyId = existing?.id ?? (await ctx.api('POST', '/api/v1/api-keys', { name: keyName, role: 'viewer' })).id;
  ctx.log(`re-enabling API key ${ctx.keyId}`);
}

export function requests(ctx) {
  return [
    {
      method: 'POST',
      path: `/api/v1/api-keys/${ctx.keyId}/enable`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    },
  ];
}
