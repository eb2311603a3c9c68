import { Client } from 'pg';
import { createPrismaClient } from '@certctl/database';
import { createTestDatabase } from '@certctl/testing';
import { JobRepository } from '../src/jobs/job.repository';
import { insertCertificateC1 } from './job-fixtures';

/**
 * job.start is one statement (JobRepository.startAndRead): the move to running and the read back;
 * job.complete two (lockForCompletion with the bound targets, insertVersionAndComplete).
 */
describe('job.start and job.complete statements on real PostgreSQL', () => {
  let url: string;
  let pg: Client;
  let db: ReturnType<typeof createPrismaClient>;
  let repo: JobRepository;

  beforeAll(async () => {
    url = await createTestDatabase('certctl_int_job_start');
    pg = new Client({ connectionString: url });
    await pg.connect();
    await insertCertificateC1(pg);
    await pg.query(
      `INSERT INTO certificate_profiles (id, name, allowed_key_algorithms, max_validity_days, max_validity_seconds, ekus, updated_at)
       VALUES ('prof-1', 'p1', '[{"algorithm":"RSA","min_size":3072}]', 30, 3600, ARRAY['serverAuth','clientAuth'], now())`,
    );
    await pg.query(
      `INSERT INTO certificates (id, name, common_name, sans, issuer_id, owner_id, team_id, renewal_policy_id, profile_id, status, updated_at)
       VALUES ('c2', 'c2', 'c2.example.com', ARRAY['c2.example.com','alt.example.com'], 'iss1', 'o1', 't1', 'rp1', 'prof-1', 'active', now())`,
    );
    await pg.query(
      `INSERT INTO certificate_versions (id, certificate_id, issuer_id, serial_number, fingerprint_sha256, certificate_pem, chain_pem, not_before, not_after, key_algorithm, key_size, key_source)
       VALUES ('ver-c2', 'c2', 'iss1', '01', 'ff', 'OLD PEM', '', now(), now() + interval '1 day', 'ECDSA', 256, 'server')`,
    );
    await pg.query(`UPDATE certificates SET current_version_id = 'ver-c2' WHERE id = 'c2'`);
    await pg.query(
      `INSERT INTO jobs (id, type, status, certificate_id, csr_pem, updated_at) VALUES
         ('job-issue', 'issuance', 'pending', 'c1', 'CSR', now()),
         ('job-renew', 'renewal', 'pending', 'c2', NULL, now()),
         ('job-done', 'renewal', 'completed', 'c2', NULL, now())`,
    );
    db = createPrismaClient({ url, poolSize: 2 });
    repo = new JobRepository(db as never);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await pg.end();
  });

  it('a pending job without a profile or version: running, attempt 1, read back with its certificate', async () => {
    const job = await repo.startAndRead('job-issue');
    expect(job).toEqual({
      id: 'job-issue',
      status: 'running',
      attempts: 1,
      maxAttempts: 3,
      type: 'issuance',
      lastError: null,
      csrPem: 'CSR',
      certificate: { id: 'c1', commonName: 'c1.example.com', sans: [], issuerId: 'iss1', profileId: null, profile: null },
      currentVersion: null,
    });
    const { rows } = await pg.query(`SELECT status, attempts, started_at IS NOT NULL AS started FROM jobs WHERE id = 'job-issue'`);
    expect(rows).toEqual([{ status: 'running', attempts: 1, started: true }]);
  });

  it("a renewal: its profile (JSON and arrays as written) and its certificate's current version", async () => {
    const job = await repo.startAndRead('job-renew');
    expect(job?.certificate).toEqual({
      id: 'c2',
      commonName: 'c2.example.com',
      sans: ['c2.example.com', 'alt.example.com'],
      issuerId: 'iss1',
      profileId: 'prof-1',
      profile: {
        allowedKeyAlgorithms: [{ algorithm: 'RSA', min_size: 3072 }],
        maxValidityDays: 30,
        maxValiditySeconds: 3600,
        ekus: ['serverAuth', 'clientAuth'],
      },
    });
    expect(job?.currentVersion).toEqual({ certificatePem: 'OLD PEM', issuerId: 'iss1' });
  });

  it('a redelivered running job counts another attempt; a completed one is read unchanged; an unknown one is null', async () => {
    expect((await repo.startAndRead('job-renew'))?.attempts).toBe(2);
    const done = await repo.startAndRead('job-done');
    expect(done).toMatchObject({ id: 'job-done', status: 'completed', attempts: 0 });
    const { rows } = await pg.query(`SELECT status, attempts, started_at FROM jobs WHERE id = 'job-done'`);
    expect(rows).toEqual([{ status: 'completed', attempts: 0, started_at: null }]);
    expect(await repo.startAndRead('job-missing')).toBeNull();
  });

  it('job.complete: the locking read names the bound targets with an agent; the version, the certificate and the job in one statement', async () => {
    await pg.query(`INSERT INTO agents (id, name) VALUES ('agent-1', 'a1')`);
    await pg.query(
      `INSERT INTO targets (id, name, type, agent_id, enabled, updated_at) VALUES
         ('tgt-a', 'a', 'nginx', 'agent-1', true, now()), ('tgt-off', 'off', 'nginx', 'agent-1', false, now()),
         ('tgt-noagent', 'n', 'nginx', NULL, true, now())`,
    );
    await pg.query(
      `INSERT INTO certificate_targets (certificate_id, target_id) VALUES ('c2', 'tgt-a'), ('c2', 'tgt-off'), ('c2', 'tgt-noagent')`,
    );
    const version = {
      issuer_id: 'iss1',
      serial_number: '0a0b',
      fingerprint_sha256: 'f00d',
      certificate_pem: 'NEW PEM',
      chain_pem: 'CHAIN',
      not_before: '2026-01-01T00:00:00.000Z',
      not_after: '2026-04-01T00:00:00.000Z',
      key_algorithm: 'ECDSA',
      key_size: 256,
      key_source: 'server' as const,
      renewal_window: { start: '2026-03-01T00:00:00.000Z', end: '2026-03-05T00:00:00.000Z' },
    };
    const stored = await db.$transaction(async (tx) => {
      const job = await repo.lockForCompletion('job-renew', tx as never);
      expect(job).toMatchObject({ id: 'job-renew', type: 'renewal', certificateId: 'c2', certificateStatus: 'active', versionId: null });
      expect(job?.targets).toEqual([{ id: 'tgt-a', agentId: 'agent-1' }]);
      return repo.insertVersionAndComplete('job-renew', 'c2', version, tx as never);
    });
    expect(stored).toEqual({ id: expect.stringMatching(/^ver-/), serialNumber: '0a0b', notAfter: new Date(version.not_after) });
    const { rows: v } = await pg.query(
      `SELECT certificate_id, job_id, serial_number, certificate_pem, chain_pem, key_source::text, not_after, ari_window_start, ari_window_end
       FROM certificate_versions WHERE id = $1`,
      [stored.id],
    );
    expect(v).toEqual([
      {
        certificate_id: 'c2',
        job_id: 'job-renew',
        serial_number: '0a0b',
        certificate_pem: 'NEW PEM',
        chain_pem: 'CHAIN',
        key_source: 'server',
        not_after: new Date(version.not_after),
        ari_window_start: new Date('2026-03-01T00:00:00.000Z'),
        ari_window_end: new Date('2026-03-05T00:00:00.000Z'),
      },
    ]);
    const { rows: c } = await pg.query(`SELECT status::text, current_version_id, expires_at FROM certificates WHERE id = 'c2'`);
    expect(c).toEqual([{ status: 'active', current_version_id: stored.id, expires_at: new Date(version.not_after) }]);
    const { rows: j } = await pg.query(
      `SELECT status::text, completed_at IS NOT NULL AS done, last_error FROM jobs WHERE id = 'job-renew'`,
    );
    expect(j).toEqual([{ status: 'completed', done: true, last_error: null }]);
    // A second completion finds the stored version (the service then answers it and writes nothing).
    const again = await db.$transaction((tx) => repo.lockForCompletion('job-renew', tx as never));
    expect(again?.versionId).toBe(stored.id);
    // A version without a renewal window stores NULLs.
    const plain = await db.$transaction((tx) =>
      repo.insertVersionAndComplete(
        'job-issue',
        'c1',
        { ...version, serial_number: '0c', fingerprint_sha256: 'beef', renewal_window: null },
        tx as never,
      ),
    );
    const { rows: p } = await pg.query(`SELECT ari_window_start, ari_window_end FROM certificate_versions WHERE id = $1`, [plain.id]);
    expect(p).toEqual([{ ari_window_start: null, ari_window_end: null }]);
  });
});
