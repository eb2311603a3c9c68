import type { Client } from 'pg';

/** The rows one certificate `c1` needs (team, owner, renewal policy, local issuer), for job-table tests. */
export async function insertCertificateC1(pg: Client): Promise<void> {
  await pg.query(`INSERT INTO teams (id, name, updated_at) VALUES ('t1', 't1', now())`);
  await pg.query(`INSERT INTO owners (id, name, email, updated_at) VALUES ('o1', 'o1', 'o1@example.com', now())`);
  await pg.query(`INSERT INTO renewal_policies (id, name, updated_at) VALUES ('rp1', 'rp1', now())`);
  await pg.query(`INSERT INTO issuers (id, name, type, updated_at) VALUES ('iss1', 'iss1', 'local', now())`);
  await pg.query(
    `INSERT INTO certificates (id, name, common_name, issuer_id, owner_id, team_id, renewal_policy_id, updated_at)
     VALUES ('c1', 'c1', 'c1.example.com', 'iss1', 'o1', 't1', 'rp1', now())`,
  );
}
