import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { type ImportedCertificate, translateImportErrors, writeImported } from '../certificates/certificate-import.repository';
import type { Finding } from './discovery-parse';

export type { ImportedCertificate };

export type DiscoveredRow = Prisma.DiscoveredCertificateGetPayload<object>;
export type DiscoverySource = 'agent' | 'network';

export interface DiscoveredFilter {
  status?: string;
  source?: DiscoverySource;
  sourceId?: string;
  notAfterBefore?: Date;
  text?: string;
}

function discoveredWhere(filter: DiscoveredFilter): Prisma.DiscoveredCertificateWhereInput {
  const text = filter.text ? { contains: filter.text, mode: 'insensitive' as const } : undefined;
  return {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.source ? { source: filter.source } : {}),
    ...(filter.sourceId ? { sourceId: filter.sourceId } : {}),
    ...(filter.notAfterBefore ? { notAfter: { lt: filter.notAfterBefore } } : {}),
    ...(text
      ? { OR: [{ subject: text }, { issuer: text }, { location: text }, { sans: { has: filter.text } }, { fingerprintSha256: text }] }
      : {}),
  };
}

/** Discovered certificates: recorded once per (fingerprint, source, source id, location), then triaged. */
@Injectable()
export class DiscoveryRepository {
  constructor(private readonly db: PrismaService) {}

  /** Inserts the finding, or on a repeat moves last_seen_at and seen_count only; `inserted` says which. */
  async record(source: DiscoverySource, sourceId: string, finding: Finding): Promise<{ id: string; inserted: boolean }> {
    const info = finding.identity;
    const rows = await this.db.$queryRaw<{ id: string; inserted: boolean }[]>`
      INSERT INTO discovered_certificates (id, fingerprint_sha256, source, source_id, location, server_name, subject, issuer, sans,
        serial, not_before, not_after, key_algorithm, key_size, is_ca, self_signed, certificate_pem)
      VALUES (${newId('disc')}, ${info.fingerprintSha256}, ${source}, ${sourceId}, ${finding.location}, ${finding.serverName},
        ${info.subject}, ${info.issuer}, ${info.sans}::text[], ${info.serialNumber}, ${info.notBefore}, ${info.notAfter},
        ${info.keyType}, ${info.keySize}, ${info.isCa}, ${info.selfSigned}, ${finding.certificatePem})
      ON CONFLICT (fingerprint_sha256, source, source_id, location)
      DO UPDATE SET last_seen_at = now(), seen_count = discovered_certificates.seen_count + 1
      RETURNING id, (xmax = 0) AS inserted`;
    return rows[0] as { id: string; inserted: boolean };
  }

  findById(id: string): Promise<DiscoveredRow | null> {
    return this.db.discoveredCertificate.findUnique({ where: { id } });
  }

  /** A page in id order, after `afterId`. */
  list(filter: DiscoveredFilter, afterId: string | undefined, take: number): Promise<DiscoveredRow[]> {
    return this.db.discoveredCertificate.findMany({
      where: { ...discoveredWhere(filter), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take,
    });
  }

  async summary(expiringBefore: Date) {
    const [byStatus, bySource, expiring] = await Promise.all([
      this.db.discoveredCertificate.groupBy({ by: ['status'], _count: { _all: true } }),
      this.db.discoveredCertificate.groupBy({ by: ['source'], _count: { _all: true } }),
      this.db.discoveredCertificate.count({ where: { status: 'unmanaged', notAfter: { lt: expiringBefore } } }),
    ]);
    return {
      byStatus: byStatus.map((row) => ({ key: row.status, count: row._count._all })),
      bySource: bySource.map((row) => ({ key: row.source, count: row._count._all })),
      expiring,
    };
  }

  async agentExists(id: string): Promise<boolean> {
    return !!(await this.db.agent.findUnique({ where: { id }, select: { id: true } }));
  }

  async certificateExists(id: string): Promise<boolean> {
    return !!(await this.db.certificate.findUnique({ where: { id }, select: { id: true } }));
  }

  /** The certificate PEMs of a managed certificate's versions. */
  async versionPems(certificateId: string): Promise<{ fingerprintSha256: string; certificatePem: string }[]> {
    return this.db.certificateVersion.findMany({
      where: { certificateId },
      select: { fingerprintSha256: true, certificatePem: true },
      orderBy: { createdAt: 'desc' },
    });
  }

  markManaged(id: string, certificateId: string): Promise<DiscoveredRow> {
    return this.db.discoveredCertificate.update({ where: { id }, data: { status: 'managed', managedCertificateId: certificateId } });
  }

  markDismissed(id: string, reason: string | null): Promise<DiscoveredRow> {
    return this.db.discoveredCertificate.update({ where: { id }, data: { status: 'dismissed', dismissReason: reason } });
  }

  /**
   * Creates the managed certificate and its version and marks the discovered row managed, in
   * one transaction (errors as translateImportErrors says).
   */
  importCertificate(discoveredId: string, imported: ImportedCertificate): Promise<DiscoveredRow> {
    return translateImportErrors(
      () =>
        this.db.$transaction(async (tx) => {
          await writeImported(tx, imported);
          return tx.discoveredCertificate.update({
            where: { id: discoveredId },
            data: { status: 'managed', managedCertificateId: imported.certificate.id },
          });
        }),
      imported,
      'import.',
    );
  }
}
