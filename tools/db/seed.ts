/**
 * Demo seed: the fixed ids the original product's load scripts reference, and the
 * bootstrap admin API key. Idempotent: rows that exist are left as they are.
 *
 * The admin key comes from CERTCTL_BOOTSTRAP_ADMIN_KEY when set at first start;
 * otherwise one is generated, printed once and written (mode 0600) to
 * CERTCTL_ADMIN_KEY_FILE (default ${CERTCTL_DATA_DIR:-<repo root>/.local}/admin-api-key, the
 * folder tools/infra/env.sh and npm start use).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrismaClient } from '@certctl/database';
import { adminKeyFile } from '@certctl/testing';
import { seedEnrollmentProfiles } from './seed-enrollment';

const ADMIN_KEY_NAME = 'bootstrap-admin';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const db = createPrismaClient({ url, poolSize: 2 });
  try {
    await db.team.upsert({
      where: { id: 't-platform' },
      update: {},
      create: { id: 't-platform', name: 'Platform', description: 'Platform engineering' },
    });
    await db.owner.upsert({
      where: { id: 'o-alice' },
      update: {},
      create: { id: 'o-alice', name: 'Alice', email: 'alice@example.com', teamId: 't-platform' },
    });
    await db.renewalPolicy.upsert({
      where: { id: 'rp-standard' },
      update: {},
      create: {
        id: 'rp-standard',
        name: 'Standard',
        renewBeforeDays: 30,
        autoRenew: true,
        maxRetries: 3,
        alertThresholdsDays: [30, 14, 7, 1],
      },
    });
    await db.certificateProfile.upsert({
      where: { id: 'prof-standard-tls' },
      update: {},
      create: {
        id: 'prof-standard-tls',
        name: 'Standard TLS server',
        description: 'TLS server certificates: ECDSA P-256 or RSA 2048+, serverAuth, 90 days',
        maxValidityDays: 90,
        ekus: ['serverAuth'],
        keyGeneration: 'server',
      },
    });
    await db.issuer.upsert({
      where: { id: 'iss-local' },
      update: {},
      create: { id: 'iss-local', name: 'Local CA', type: 'local', config: { key_algorithm: 'ECDSA-P256', validity_days: 3650 } },
    });
    await seedEnrollmentProfiles(db);

    const existing = await db.apiKey.findUnique({ where: { name: ADMIN_KEY_NAME } });
    if (existing) {
      console.log(`[seed] demo data present; admin key "${ADMIN_KEY_NAME}" already exists (prefix ${existing.keyPrefix})`);
      return;
    }
    const given = process.env.CERTCTL_BOOTSTRAP_ADMIN_KEY;
    if (given !== undefined && given.length < 32) throw new Error('CERTCTL_BOOTSTRAP_ADMIN_KEY must be at least 32 characters');
    const key = given ?? `cck_${randomBytes(32).toString('base64url')}`; // the same form as keys made through the API
    const id = `key-${randomBytes(8).toString('hex')}`;
    await db.apiKey.create({
      data: {
        id,
        ownerKeyId: id, // a root key: the keys it creates are each their own owner (two-person rule)
        name: ADMIN_KEY_NAME,
        principal: 'bootstrap-admin',
        role: 'admin',
        keyHash: createHash('sha256').update(key, 'utf8').digest('hex'),
        keyPrefix: key.slice(0, 12),
      },
    });
    if (given) {
      console.log(`[seed] admin key "${ADMIN_KEY_NAME}" created from CERTCTL_BOOTSTRAP_ADMIN_KEY`);
    } else {
      const file = adminKeyFile();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${key}\n`, { mode: 0o600 });
      console.log(`[seed] generated admin API key (shown once): ${key}`);
      console.log(`[seed] also written to ${file} (mode 0600)`);
    }
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: Error) => {
  console.error(`[seed] ${err.message}`);
  process.exit(1);
});
