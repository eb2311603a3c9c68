import { Client } from 'pg';
import { readState } from './e2e-env';

/** What the inserted rows share; `prefix` starts every id (`cert-<prefix>-0001`) and name (`<prefix>-0001`). */
export interface CertificateFixture {
  prefix: string;
  count: number;
  ownerId?: string;
  teamId?: string;
  profileId?: string | null;
  /** Default rp-standard. */
  renewalPolicyId?: string;
}

/**
 * Inserts `count` active certificates straight into the e2e database in batches of 10,000 (no
 * bulk-create route exists; issuing them is not what is tested), as loadtest/seed-certificates.mjs
 * does for the list benchmark. They expire in over a year (one hour apart) so they crowd no other
 * suite's expiring lists, and were created one second apart, the first newest. Answers the
 * milliseconds it took.
 */
export async function insertCertificates(fixture: CertificateFixture): Promise<number> {
  const started = Date.now();
  const width = String(fixture.count).length;
  await withDatabase(async (db) => {
    for (let from = 1; from <= fixture.count; from += 10000) {
      await db.query(
        `INSERT INTO certificates (id, name, common_name, sans, status, issuer_id, profile_id, owner_id, team_id, renewal_policy_id, expires_at, created_at, updated_at)
         SELECT 'cert-' || $1 || '-' || lpad(g::text, $2, '0'), $1 || '-' || lpad(g::text, $2, '0'), $1 || '-' || g || '.example.com',
                ARRAY[$1 || '-' || g || '.example.com'], 'active', 'iss-local', $3, $4, $5, $8,
                now() + interval '400 days' + (g || ' hours')::interval, now() - (g || ' seconds')::interval, now()
         FROM generate_series($6::int, $7::int) g`,
        [
          fixture.prefix,
          width,
          fixture.profileId ?? null,
          fixture.ownerId ?? 'o-alice',
          fixture.teamId ?? 't-platform',
          from,
          Math.min(from + 9999, fixture.count),
          fixture.renewalPolicyId ?? 'rp-standard',
        ],
      );
    }
    await db.query('ANALYZE certificates');
  });
  return Date.now() - started;
}

/** Deletes the certificates of `insertCertificates` with this prefix; answers how many went. */
export async function deleteCertificates(prefix: string): Promise<number> {
  return withDatabase(async (db) => {
    const deleted = await db.query(`DELETE FROM certificates WHERE id LIKE 'cert-' || $1 || '-%'`, [prefix]);
    await db.query('ANALYZE certificates');
    return deleted.rowCount ?? 0;
  });
}

/** Runs `work` with a connection to the e2e stack's database. */
export async function withDatabase<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}
