import type { Client } from 'pg';

export interface FleetOptions {
  /** Certificates to create. */
  count: number;
  /** Id prefix, so several fleets can live in one database. */
  prefix?: string;
  /** Every n-th certificate is past its renewal time (10 of 90 days left); the rest have 80 of 90 left. */
  dueEvery?: number;
  /** Every n-th certificate has a policy with auto-renew off (0: none). */
  manualEvery?: number;
  /** Every n-th certificate has a profile that needs approval (0: none). */
  approvalEvery?: number;
}

/**
 * Writes a fleet of issued certificates straight into the inventory tables (test and
 * benchmark fixture only; services never write another service's tables). One
 * INSERT … SELECT per table, so 100,000 certificates take seconds.
 */
export async function seedFleet(db: Client, o: FleetOptions): Promise<void> {
  const p = o.prefix ?? 'fleet';
  const due = o.dueEvery ?? 10;
  await db.query(
    `INSERT INTO issuers (id, name, type, updated_at) VALUES ('iss-${p}', 'issuer-${p}', 'local', now()) ON CONFLICT DO NOTHING;
     INSERT INTO teams (id, name, updated_at) VALUES ('team-${p}', 'team-${p}', now()) ON CONFLICT DO NOTHING;
     INSERT INTO owners (id, name, email, team_id, updated_at) VALUES ('own-${p}', 'Owner ${p}', 'owner-${p}@example.test', 'team-${p}', now()) ON CONFLICT DO NOTHING;
     INSERT INTO renewal_policies (id, name, auto_renew, updated_at) VALUES ('pol-${p}-auto', 'auto-${p}', true, now()), ('pol-${p}-manual', 'manual-${p}', false, now()) ON CONFLICT DO NOTHING;
     INSERT INTO certificate_profiles (id, name, requires_approval, updated_at) VALUES ('prof-${p}-approval', 'approval-${p}', true, now()) ON CONFLICT DO NOTHING;`,
  );
  await db.query(
    `INSERT INTO certificates (id, name, common_name, issuer_id, owner_id, team_id, renewal_policy_id, profile_id, status, expires_at, current_version_id, updated_at)
     SELECT 'cert-${p}-' || lpad(i::text, 7, '0'), '${p}-' || i, '${p}-' || i || '.example.test', 'iss-${p}', 'own-${p}', 'team-${p}',
            CASE WHEN $2 > 0 AND i % $2 = 0 THEN 'pol-${p}-manual' ELSE 'pol-${p}-auto' END,
            CASE WHEN $3 > 0 AND i % $3 = 0 THEN 'prof-${p}-approval' ELSE NULL END,
            'active', now() + (CASE WHEN i % $4 = 0 THEN 10 ELSE 80 END) * interval '1 day', 'ver-${p}-' || lpad(i::text, 7, '0'), now()
     FROM generate_series(1, $1::int) AS i`,
    [o.count, o.manualEvery ?? 0, o.approvalEvery ?? 0, due],
  );
  await db.query(
    `INSERT INTO certificate_versions (id, certificate_id, issuer_id, serial_number, fingerprint_sha256, certificate_pem, chain_pem, not_before, not_after, key_algorithm, key_size, key_source)
     SELECT 'ver-${p}-' || lpad(i::text, 7, '0'), 'cert-${p}-' || lpad(i::text, 7, '0'), 'iss-${p}', '${p}' || i, md5('${p}' || i),
            '', '', now() - (CASE WHEN i % $2 = 0 THEN 80 ELSE 10 END) * interval '1 day',
            now() + (CASE WHEN i % $2 = 0 THEN 10 ELSE 80 END) * interval '1 day', 'ECDSA', 256, 'server'
     FROM generate_series(1, $1::int) AS i`,
    [o.count, due],
  );
  await db.query('ANALYZE certificates; ANALYZE certificate_versions');
}
