import { Client } from 'pg';
import { createPrismaClient } from '@certctl/database';
import { createTestDatabase } from '@certctl/testing';
import { CertificateRepository } from '../src/certificates/certificate.repository';
import { CertificateService } from '../src/certificates/certificate.service';
import { insertCertificateC1 } from './job-fixtures';

/**
 * The list page reads each row's version, policy and open job in one statement (pageDetails):
 * every row must show exactly what the single-certificate read (its own queries) shows.
 */
describe('certificate list page details on real PostgreSQL', () => {
  let url: string;
  let pg: Client;

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_certificate_list');
    pg = new Client({ connectionString: url });
    await pg.connect();
    await insertCertificateC1(pg);
    await pg.query(`UPDATE renewal_policies SET renew_before_days = 20 WHERE id = 'rp1'`);
    await pg.query(
      `INSERT INTO renewal_policies (id, name, renew_before_fraction, auto_renew, updated_at) VALUES ('rp2', 'rp2', 0.25, false, now())`,
    );
    // c2: a version with an ARI window and an open renewal job (plus an older failed one); c3: no version yet, an open issuance job.
    await pg.query(
      `INSERT INTO certificates (id, name, common_name, issuer_id, owner_id, team_id, renewal_policy_id, updated_at)
       VALUES ('c2', 'c2', 'c2.example.com', 'iss1', 'o1', 't1', 'rp2', now()), ('c3', 'c3', 'c3.example.com', 'iss1', 'o1', 't1', 'rp1', now())`,
    );
    await pg.query(
      `INSERT INTO certificate_versions (id, certificate_id, issuer_id, serial_number, fingerprint_sha256, certificate_pem, chain_pem, not_before, not_after, key_algorithm, key_size, key_source, ari_window_start, ari_window_end)
       VALUES ('v1', 'c1', 'iss1', '01', 'f1', 'PEM', '', now() - interval '10 days', now() + interval '80 days', 'ECDSA', 256, 'server', NULL, NULL),
              ('v2', 'c2', 'iss1', '02', 'f2', 'PEM', '', now() - interval '5 days', now() + interval '25 days', 'RSA', 2048, 'server',
               now() + interval '10 days', now() + interval '12 days')`,
    );
    await pg.query(`UPDATE certificates SET current_version_id = 'v' || substr(id, 2) WHERE id IN ('c1', 'c2')`);
    await pg.query(
      `INSERT INTO jobs (id, type, status, certificate_id, attempts, max_attempts, last_error, scheduled_at, created_at, updated_at) VALUES
       ('j-old', 'renewal', 'failed', 'c2', 3, 3, 'boom', now() - interval '2 days', now() - interval '2 days', now()),
       ('j-c2', 'renewal', 'pending', 'c2', 1, 3, 'retrying', now() + interval '1 minute', now() - interval '1 hour', now()),
       ('j-c3', 'issuance', 'awaiting_approval', 'c3', 0, 3, NULL, now(), now(), now())`,
    );
  });

  afterAll(async () => {
    await pg.end();
  });

  it('ok/each row’s serial, dates and renewal (schedule, source, open job) equal the single read’s', async () => {
    const db = createPrismaClient({ url, poolSize: 2 });
    try {
      const svc = new CertificateService(new CertificateRepository(db as never), {} as never, {} as never, {
        CERTCTL_RENEWAL_JITTER_MAX_MS: 3_600_000,
      });
      const page = await svc.list({ limit: 50, sort: 'name' } as never);
      expect(page.data.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
      for (const row of page.data) {
        const one = await svc.get(row.id);
        const { renewal: listed, ...summary } = row;
        const { renewal: single } = one;
        expect(summary).toEqual(Object.fromEntries(Object.keys(summary).map((k) => [k, (one as Record<string, unknown>)[k]])));
        // waiting_reason may say "now" differently a few ms apart: compare the rest exactly.
        expect({ ...listed, job: listed?.job ? { ...listed.job, waiting_reason: undefined } : null }).toEqual({
          ...single,
          job: single?.job ? { ...single.job, waiting_reason: undefined } : null,
        });
      }
      const [c1, c2, c3] = page.data;
      expect(c1).toMatchObject({ serial_number: '01', renewal: { source: 'policy', reason: 'renew_before_days', job: null } });
      expect(c2).toMatchObject({
        serial_number: '02',
        renewal: { source: 'manual_only', reason: 'ari_window', job: { id: 'j-c2', status: 'pending' } },
      });
      expect(c3).toMatchObject({ serial_number: null, not_before: null, renewal: null });
    } finally {
      await db.$disconnect();
    }
  });
});
