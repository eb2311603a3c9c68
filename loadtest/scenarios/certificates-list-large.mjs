// The certificate list over a large inventory (seed it first: node loadtest/seed-certificates.mjs 100000):
// first pages, a status filter, sort by expiry, and a text search, in rotation.

export const name = 'certificates-list-large';
export const description = 'GET /api/v1/certificates on a 100,000-certificate inventory: first page, filter, sort by expiry, search';

export async function setup(ctx) {
  const page = await ctx.api('GET', '/api/v1/certificates?limit=1&q=fixture.example.com');
  if (!page.data.length) ctx.log('no fixture certificates found: run `node loadtest/seed-certificates.mjs 100000` first');
}

export const requests = [
  { method: 'GET', path: '/api/v1/certificates?limit=50' },
  { method: 'GET', path: '/api/v1/certificates?limit=50&status=expiring' },
  { method: 'GET', path: '/api/v1/certificates?limit=50&sort=expires_at' },
  { method: 'GET', path: '/api/v1/certificates?limit=50&q=lt4242' },
];
