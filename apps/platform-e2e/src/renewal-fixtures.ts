import { Client } from 'pg';
import { readState } from './e2e-env';

/**
 * Fixture rows for tests that need a renewal within seconds: a policy renewing when 99.907% of a
 * one-day lifetime is left (due ~20 s after issuance; notBefore is backdated a minute) and a
 * one-day profile. The API refuses such a policy (it would renew on every scan), so they are
 * written to the database directly.
 */
export async function insertFastRenewalFixtures(policyId: string, profileId: string): Promise<void> {
  const db = new Client({ connectionString: readState().env.DATABASE_URL });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO renewal_policies (id, name, renew_before_fraction, auto_renew, updated_at) VALUES ($1, $1, 0.99907, true, now())`,
      [policyId],
    );
    await db.query(`INSERT INTO certificate_profiles (id, name, max_validity_days, updated_at) VALUES ($1, $1, 1, now())`, [profileId]);
  } finally {
    await db.end();
  }
}
