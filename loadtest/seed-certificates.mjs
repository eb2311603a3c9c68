#!/usr/bin/env node
// Fixture for the list benchmark: inserts N active certificates (default 100,000) straight
// into PostgreSQL, as an inventory of that size would look, without issuing them.
// Usage: node loadtest/seed-certificates.mjs [count]   (DATABASE_URL as for npm start)
import pg from 'pg';

const count = Number(process.argv[2] ?? 100000);
const url = process.env.DATABASE_URL ?? `postgresql://certctl:certctl@127.0.0.1:${process.env.CERTCTL_PG_PORT ?? 15432}/certctl`;
const client = new pg.Client({ connectionString: url });
await client.connect();
const run = Date.now().toString(36);
const t0 = Date.now();
const { rows } = await client.query(`SELECT count(*)::int AS n FROM certificates WHERE source = 'loadtest-fixture'`);
const missing = Math.max(0, count - rows[0].n);
for (let done = 0; done < missing; done += 10000) {
  const n = Math.min(10000, missing - done);
  await client.query(
    `INSERT INTO certificates (id, name, common_name, sans, status, issuer_id, owner_id, team_id, renewal_policy_id, expires_at, source, updated_at)
     SELECT 'cert-lt-${run}-' || g, 'lt-${run}-' || g, 'lt' || g || '.fixture.example.com', ARRAY['lt' || g || '.fixture.example.com'],
            (ARRAY['active','active','active','expiring','pending'])[1 + g % 5]::certificate_status, 'iss-local', 'o-alice', 't-platform', 'rp-standard',
            now() + (g % 400) * interval '1 day', 'loadtest-fixture', now()
     FROM generate_series($1::int, $2::int) g`,
    [done + 1, done + n],
  );
  process.stdout.write(`[seed] ${rows[0].n + done + n} fixture certificates\n`);
}
await client.query('ANALYZE certificates');
await client.end();
console.log(`[seed] ${count} fixture certificates present (${missing} added in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
