/**
 * Re-seals every value encrypted at rest (CA keys, server-generated private keys, issuer
 * connector configs, notification channel secrets, OCSP responder keys, ACME EAB keys) with
 * the current encryption key version. Idempotent and safe to interrupt: one transaction per
 * row, and rows already on the current version are skipped. Prints counts per table and the
 * versions still in use; exits 1 if any row could not be opened. See docs/encryption.md.
 *
 *   CERTCTL_ENCRYPTION_KEYS=1:<old>,2:<new> CERTCTL_ENCRYPTION_KEY_VERSION=2 DATABASE_URL=... npm run rekey
 */
import { databaseEnvSchema, encryptionEnvSchema, loadConfig, secretBoxFromConfig } from '@certctl/config';
import { createPrismaClient } from '@certctl/database';
import { rekeyAll, sealedVersions } from './rekey-lib';

async function main(): Promise<number> {
  const config = loadConfig(databaseEnvSchema.extend(encryptionEnvSchema.shape));
  const box = secretBoxFromConfig(config);
  const db = createPrismaClient({ url: config.DATABASE_URL, poolSize: 2 });
  try {
    console.log(`[rekey] sealing with key version ${box.currentVersion} (versions configured: ${box.versions.join(', ')})`);
    const counts = await rekeyAll(db, box);
    let failed = 0;
    for (const c of counts) {
      console.log(`[rekey] ${c.table}: ${c.rekeyed} re-sealed, ${c.failed.length} failed`);
      for (const f of c.failed) console.error(`[rekey]   ${c.table} ${f.id}: ${f.error}`);
      failed += c.failed.length;
    }
    const inUse = await sealedVersions(db);
    const old = inUse.filter((r) => r.version !== box.currentVersion);
    console.log(
      old.length
        ? `[rekey] still on other versions: ${old.map((r) => `${r.table} v${r.version}: ${r.count}`).join(', ')}`
        : `[rekey] every sealed value is on version ${box.currentVersion}; older versions may be removed from CERTCTL_ENCRYPTION_KEYS`,
    );
    return failed ? 1 : 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[rekey] ${err.message}`);
    process.exit(1);
  },
);
