import type { PrismaClient } from '@certctl/database';
import type { SecretBox } from '@certctl/pki';

/**
 * Every value sealed at rest: its table, key column, blob column, the associated data it is
 * bound to (the same string the sealing service passes) and the key-version column, if any.
 * A new sealed column must be added here, or rotation leaves it on the old key.
 */
export const SEALED_COLUMNS = [
  { table: 'ca_keys', id: 'issuer_id', column: 'encrypted_key', version: 'key_version', aad: (id: string) => `ca-key:${id}` },
  {
    table: 'issued_certificates',
    id: 'job_id',
    column: 'encrypted_private_key',
    version: 'key_version',
    aad: (id: string) => `leaf-key:${id}`,
  },
  { table: 'issuers', id: 'id', column: 'encrypted_config', version: null, aad: (id: string) => `issuer-config:${id}` },
  {
    table: 'notification_channels',
    id: 'id',
    column: 'encrypted_secret',
    version: null,
    aad: (id: string) => `notification_channel:${id}`,
  },
  {
    table: 'ocsp_responders',
    id: 'issuer_id',
    column: 'encrypted_key',
    version: 'key_version',
    aad: (id: string) => `ocsp-responder-key:${id}`,
  },
  { table: 'acme_eab_keys', id: 'id', column: 'encrypted_hmac_key', version: 'key_version', aad: (id: string) => `acme-eab:${id}` },
] as const;

export interface RekeyCount {
  table: string;
  rekeyed: number;
  failed: { id: string; error: string }[];
}

/** The key version in a blob's header (bytes 1–4, big-endian), in SQL. */
const versionSql = (col: string) =>
  `((get_byte(${col}, 1)::bigint << 24) + (get_byte(${col}, 2) << 16) + (get_byte(${col}, 3) << 8) + get_byte(${col}, 4))`;

/**
 * Re-seals every value not sealed with the box's current key version. Each row is its own
 * transaction (locked, re-read, re-sealed, written), so the command can be interrupted and run
 * again at any time: rows already on the current version are not selected again. A row that
 * does not open (unknown version, tampered) is counted as failed and left as it is.
 */
export async function rekeyAll(db: PrismaClient, box: SecretBox, batchSize = 200): Promise<RekeyCount[]> {
  const out: RekeyCount[] = [];
  for (const spec of SEALED_COLUMNS) {
    const count: RekeyCount = { table: spec.table, rekeyed: 0, failed: [] };
    const stale = `${spec.column} IS NOT NULL AND (length(${spec.column}) < 5 OR ${versionSql(spec.column)} <> ${box.currentVersion})`;
    let after = '';
    for (;;) {
      const ids = await db.$queryRawUnsafe<{ id: string }[]>(
        `SELECT ${spec.id} AS id FROM ${spec.table} WHERE ${stale} AND ${spec.id} > $1 ORDER BY ${spec.id} LIMIT ${batchSize}`,
        after,
      );
      if (ids.length === 0) break;
      for (const { id } of ids) {
        try {
          const done = await db.$transaction(async (tx) => {
            const [row] = await tx.$queryRawUnsafe<{ blob: Uint8Array }[]>(
              `SELECT ${spec.column} AS blob FROM ${spec.table} WHERE ${spec.id} = $1 AND ${stale} FOR UPDATE`,
              id,
            );
            if (!row) return false; // re-sealed meanwhile (another run, or the service rewrote it)
            const sealed = box.rotate(Buffer.from(row.blob), spec.aad(id));
            const setVersion = spec.version ? `, ${spec.version} = ${box.currentVersion}` : '';
            await tx.$executeRawUnsafe(`UPDATE ${spec.table} SET ${spec.column} = $1${setVersion} WHERE ${spec.id} = $2`, sealed, id);
            return true;
          });
          if (done) count.rekeyed++;
        } catch (err) {
          count.failed.push({ id, error: (err as Error).message });
        }
      }
      after = ids[ids.length - 1].id;
    }
    out.push(count);
  }
  return out;
}

/** How many sealed values each table holds per key version (to see that a rotation is complete before dropping a key). */
export async function sealedVersions(db: PrismaClient): Promise<{ table: string; version: number; count: number }[]> {
  const rows: { table: string; version: number; count: number }[] = [];
  for (const spec of SEALED_COLUMNS) {
    const r = await db.$queryRawUnsafe<{ version: bigint; count: bigint }[]>(
      `SELECT ${versionSql(spec.column)} AS version, count(*) AS count FROM ${spec.table}
       WHERE ${spec.column} IS NOT NULL AND length(${spec.column}) >= 5 GROUP BY 1 ORDER BY 1`,
    );
    for (const x of r) rows.push({ table: spec.table, version: Number(x.version), count: Number(x.count) });
  }
  return rows;
}
