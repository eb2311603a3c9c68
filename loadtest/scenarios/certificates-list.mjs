// Authenticated list of certificates: gateway (API key check, cached) → NATS request
// certctl.v1.inventory.certificate.list → inventory → PostgreSQL, one page (default 50).

/** Certificates the list should hold before measuring, so each page is a full one. */
const MIN_CERTIFICATES = 50;
const CREATE_CONCURRENCY = 4;

export const name = 'certificates-list';
export const description = 'GET /api/v1/certificates (first page, 50 per page) with the admin API key';

/** Makes sure at least MIN_CERTIFICATES exist; creates the missing ones through the API. */
export async function setup(ctx) {
  const page = await ctx.api('GET', '/api/v1/certificates?limit=500');
  const have = page.data.length;
  if (have >= MIN_CERTIFICATES) {
    ctx.log(`${have}${page.next_cursor ? '+' : ''} certificates present; no setup needed`);
    return;
  }
  const missing = MIN_CERTIFICATES - have;
  const run = Date.now().toString(36);
  ctx.log(`${have} certificates present; creating ${missing} (loadtest-${run}-*)`);
  let next = 0;
  const worker = async () => {
    while (next < missing) {
      const i = next++;
      const host = `lt-${run}-${i}.loadtest.example.com`;
      await ctx.api('POST', '/api/v1/certificates', {
        name: `loadtest-${run}-${i}`,
        common_name: host,
        sans: [host, `www.${host}`],
        issuer_id: 'iss-local',
        owner_id: 'o-alice',
        team_id: 't-platform',
        renewal_policy_id: 'rp-standard',
        environment: 'loadtest',
        tags: { source: 'loadtest' },
      });
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  ctx.log(`created ${missing} certificates (issuance runs in the background)`);
}

/** What every connection sends, in a loop. The runner adds the Authorization header. */
export const requests = [{ method: 'GET', path: '/api/v1/certificates' }];
