import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseEnvSchema, encryptionEnvSchema, loadConfig, secretBoxFromConfig } from '@certctl/config';
import type { SecretBox } from '@certctl/pki';
import { ROOT, createTestDatabase } from '@certctl/testing';

const OLD = randomBytes(32).toString('base64url');
const NEW = randomBytes(32).toString('base64url');
const schema = databaseEnvSchema.extend(encryptionEnvSchema.shape);

// The associated data each service binds its sealed values to, written out here on purpose
// (not taken from the rekey command) so a command that re-sealed under other data would fail.
const SEALED = [
  { table: 'ca_keys', id: 'issuer_id', column: 'encrypted_key', aad: 'ca-key:iss-rekey', key: 'iss-rekey', plain: 'CA KEY PEM' },
  {
    table: 'issued_certificates',
    id: 'job_id',
    column: 'encrypted_private_key',
    aad: 'leaf-key:job-rekey',
    key: 'job-rekey',
    plain: 'LEAF KEY PEM',
  },
  { table: 'issuers', id: 'id', column: 'encrypted_config', aad: 'issuer-config:iss-rekey', key: 'iss-rekey', plain: '{"token":"t"}' },
  {
    table: 'notification_channels',
    id: 'id',
    column: 'encrypted_secret',
    aad: 'notification_channel:ch-rekey',
    key: 'ch-rekey',
    plain: 'webhook hmac secret',
  },
  {
    table: 'ocsp_responders',
    id: 'issuer_id',
    column: 'encrypted_key',
    aad: 'ocsp-responder-key:iss-rekey',
    key: 'iss-rekey',
    plain: 'OCSP KEY PEM',
  },
  { table: 'acme_eab_keys', id: 'id', column: 'encrypted_hmac_key', aad: 'acme-eab:eab-rekey', key: 'eab-rekey', plain: 'eab hmac' },
] as const;

function box(env: Record<string, string>): SecretBox {
  return secretBoxFromConfig(loadConfig(schema, { DATABASE_URL: 'postgresql://u@h/db', ...env }));
}

describe('encryption key rotation: npm run rekey', () => {
  let url: string;
  let db: Client;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'tools', 'build', 'build.mjs'), 'tools/rekey'], { stdio: ['ignore', 'ignore', 'inherit'] });
    url = await createTestDatabase('certctl_rekey_it', process.env.DATABASE_URL);
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(() => db.end());

  function rekey(env: Record<string, string>) {
    return spawnSync(process.execPath, [join(ROOT, 'dist', 'tools', 'rekey.js')], {
      env: { PATH: process.env.PATH, DATABASE_URL: url, ...env },
      encoding: 'utf8',
      timeout: 60000,
    });
  }

  async function blobs(): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const s of SEALED) {
      const r = await db.query(`SELECT ${s.column} AS blob FROM ${s.table} WHERE ${s.id} = $1`, [s.key]);
      out.set(s.table, r.rows[0].blob as Buffer);
    }
    return out;
  }

  async function expectAllOpen(b: SecretBox) {
    for (const [table, blob] of await blobs()) {
      const s = SEALED.find((x) => x.table === table)!;
      expect(b.decryptString(blob, s.aad)).toBe(s.plain);
    }
  }

  it('seal with v1, configure v1+v2 (current 2): everything opens; rekey → all rows on v2; drop v1: everything still opens', async () => {
    // Sealed by the single key of before (CERTCTL_ENCRYPTION_KEY = version 1).
    const v1 = box({ CERTCTL_ENCRYPTION_KEY: OLD });
    expect(v1.currentVersion).toBe(1);
    const seal = (i: number) => Buffer.from(v1.encrypt(SEALED[i].plain, SEALED[i].aad));
    await db.query(`INSERT INTO issuers (id, name, type, encrypted_config, updated_at) VALUES ('iss-rekey', 'rekey', 'local', $1, now())`, [
      seal(2),
    ]);
    await db.query(`INSERT INTO ca_keys (issuer_id, algorithm, encrypted_key, key_version) VALUES ('iss-rekey', 'ECDSA-P256', $1, 1)`, [
      seal(0),
    ]);
    await db.query(
      `INSERT INTO issued_certificates (job_id, issuer_id, serial_number, certificate_pem, chain_pem, encrypted_private_key, key_version)
       VALUES ('job-rekey', 'iss-rekey', '01', 'pem', '', $1, 1), ('job-rekey-agent', 'iss-rekey', '02', 'pem', '', NULL, NULL)`,
      [seal(1)],
    );
    await db.query(
      `INSERT INTO notification_channels (id, name, type, encrypted_secret, updated_at) VALUES ('ch-rekey', 'rekey', 'webhook', $1, now())`,
      [seal(3)],
    );
    await db.query(
      `INSERT INTO ocsp_responders (issuer_id, certificate_pem, encrypted_key, key_version, not_after, updated_at)
       VALUES ('iss-rekey', 'pem', $1, 1, now() + interval '1 day', now())`,
      [seal(4)],
    );
    await db.query(
      `INSERT INTO acme_eab_keys (id, profile_id, encrypted_hmac_key, key_version, created_by) VALUES ('eab-rekey', 'p', $1, 1, 'admin')`,
      [seal(5)],
    );

    // v1 + v2, current 2: old values open, new ones are sealed with v2.
    const ring = { CERTCTL_ENCRYPTION_KEYS: `1:${OLD},2:${NEW}`, CERTCTL_ENCRYPTION_KEY_VERSION: '2' };
    const both = box(ring);
    expect(both.currentVersion).toBe(2);
    await expectAllOpen(both);
    expect(both.keyVersionOf(both.encrypt('x'))).toBe(2);

    const first = rekey(ring);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    for (const s of SEALED) expect(first.stdout).toContain(`${s.table}: 1 re-sealed, 0 failed`);
    expect(first.stdout).toContain('every sealed value is on version 2');
    for (const blob of (await blobs()).values()) expect(both.keyVersionOf(blob)).toBe(2);
    for (const t of ['ca_keys', 'issued_certificates', 'ocsp_responders', 'acme_eab_keys']) {
      const r = await db.query(`SELECT DISTINCT key_version FROM ${t} WHERE key_version IS NOT NULL`);
      expect(r.rows).toEqual([{ key_version: 2 }]);
    }
    // The row without a sealed key stays as it was.
    expect(
      (await db.query(`SELECT encrypted_private_key, key_version FROM issued_certificates WHERE job_id = 'job-rekey-agent'`)).rows[0],
    ).toEqual({
      encrypted_private_key: null,
      key_version: null,
    });

    // Idempotent: a second run finds nothing to do.
    const again = rekey(ring);
    expect(again.status).toBe(0);
    for (const s of SEALED) expect(again.stdout).toContain(`${s.table}: 0 re-sealed, 0 failed`);

    // v1 dropped: everything still opens with v2 alone, and no longer with v1.
    const v2only = box({ CERTCTL_ENCRYPTION_KEYS: `2:${NEW}` });
    await expectAllOpen(v2only);
    const ca = (await blobs()).get('ca_keys')!;
    expect(() => v1.decrypt(ca, 'ca-key:iss-rekey')).toThrow(/unknown key version 2/);
  });

  it('fail/a value no configured key opens is named, left as it is, and the command exits 1', async () => {
    const stranger = new (box({ CERTCTL_ENCRYPTION_KEY: OLD }).constructor as typeof SecretBox)({ 7: randomBytes(32).toString('hex') }, 7);
    await db.query(
      `INSERT INTO notification_channels (id, name, type, encrypted_secret, updated_at) VALUES ('ch-lost', 'lost', 'webhook', $1, now())`,
      [Buffer.from(stranger.encrypt('s', 'notification_channel:ch-lost'))],
    );
    const out = rekey({ CERTCTL_ENCRYPTION_KEYS: `1:${OLD},2:${NEW}`, CERTCTL_ENCRYPTION_KEY_VERSION: '2' });
    expect(out.status).toBe(1);
    expect(out.stdout).toContain('notification_channels: 0 re-sealed, 1 failed');
    expect(out.stderr).toMatch(/notification_channels ch-lost: unknown key version 7/);
    expect(out.stdout).toContain('notification_channels v7: 1');
    expect(out.stdout + out.stderr).not.toContain(NEW);
  });

  it('fail/a current version that is not configured stops the command before it touches anything', () => {
    const out = rekey({ CERTCTL_ENCRYPTION_KEYS: `1:${OLD}`, CERTCTL_ENCRYPTION_KEY_VERSION: '2' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('CERTCTL_ENCRYPTION_KEY_VERSION: version 2 is not among the keys (have 1)');
    expect(out.stderr).not.toContain(OLD);
  });
});
