/**
 * Demo enrollment profiles: EST `demo` (HTTP Basic, random password, server key generation
 * allowed) and SCEP `demo` (random static challenge), both issuing through the demo profile and
 * local CA. Their secrets are written once to the data directory (mode 0600): `est-demo-password`
 * and `scep-demo-challenge` (CERTCTL_SEED_SECRETS_DIR, when set, names another folder: the e2e
 * stack's own, so seeding its database never replaces the secrets of `npm start`'s). A profile
 * that exists is left as it is.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptionEnvSchema, secretBoxFromConfig } from '@certctl/config';
import type { PrismaClient } from '@certctl/database';
import { enrollmentSettingsAad, hashSecret, sealValue } from '@certctl/pki';
import { dataDir } from '@certctl/testing';

const PLACEMENT = {
  profileId: 'prof-standard-tls',
  issuerId: 'iss-local',
  ownerId: 'o-alice',
  teamId: 't-platform',
  renewalPolicyId: 'rp-standard',
};

interface DemoProfile {
  protocol: 'est' | 'scep';
  id: string;
  file: string;
  settings(secret: string): Promise<Record<string, unknown>>;
}

const DEMOS: DemoProfile[] = [
  {
    protocol: 'est',
    id: 'enp-est-demo',
    file: 'est-demo-password',
    settings: async (password) => ({
      auth: 'basic',
      basic_verifier: await hashSecret(password),
      allow_server_keygen: true,
      tls_exporter_binding: false,
    }),
  },
  {
    protocol: 'scep',
    id: 'enp-scep-demo',
    file: 'scep-demo-challenge',
    settings: async (challenge) => {
      const box = secretBoxFromConfig(encryptionEnvSchema.parse(process.env));
      return { challenge_password: sealValue(box, challenge, enrollmentSettingsAad('enp-scep-demo')('challenge_password')) };
    },
  },
];

export async function seedEnrollmentProfiles(db: PrismaClient): Promise<void> {
  const secretsDir = process.env.CERTCTL_SEED_SECRETS_DIR || dataDir();
  for (const demo of DEMOS) {
    const file = join(secretsDir, demo.file);
    const existing = await db.enrollmentProfile.findUnique({ where: { protocol_label: { protocol: demo.protocol, label: 'demo' } } });
    if (existing) {
      console.log(
        `[seed] ${demo.protocol.toUpperCase()} enrollment profile "demo" present${existsSync(file) ? `; its secret is in ${file}` : ''}`,
      );
      continue;
    }
    const secret = randomBytes(18).toString('base64url');
    let settings: Record<string, unknown>;
    try {
      settings = await demo.settings(secret);
    } catch (err) {
      console.log(`[seed] ${demo.protocol.toUpperCase()} enrollment profile "demo" not created: ${(err as Error).message}`);
      continue;
    }
    await db.enrollmentProfile.create({
      data: { id: demo.id, protocol: demo.protocol, label: 'demo', ...PLACEMENT, settings: settings as object, createdBy: 'seed' },
    });
    mkdirSync(secretsDir, { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    console.log(`[seed] ${demo.protocol.toUpperCase()} enrollment profile "demo" created; its secret is in ${file} (mode 0600)`);
  }
}
