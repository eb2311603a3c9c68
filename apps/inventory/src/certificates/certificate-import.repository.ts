import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { DbErrorCode, type Prisma, PrismaService, translateDbErrors } from '@certctl/database';

/** The managed certificate an import creates, with its one version (the imported certificate itself). */
export interface ImportedCertificate {
  certificate: Prisma.CertificateUncheckedCreateInput & { id: string; name: string };
  version: Prisma.CertificateVersionUncheckedCreateInput & { id: string };
}

/** Writes the certificate, its version and the current-version link in `tx`. */
export async function writeImported(tx: Prisma.TransactionClient, imported: ImportedCertificate): Promise<void> {
  await tx.certificate.create({ data: imported.certificate });
  await tx.certificateVersion.create({ data: imported.version });
  await tx.certificate.update({ where: { id: imported.certificate.id }, data: { currentVersionId: imported.version.id } });
}

/**
 * The database errors of an import as typed errors: a taken name or an already managed
 * certificate is a conflict, an owner, team, policy or issuer that does not exist a validation error.
 */
export function translateImportErrors<T>(work: () => Promise<T>, imported: ImportedCertificate, fieldPrefix: string): Promise<T> {
  return translateDbErrors(work, {
    [DbErrorCode.UniqueViolation]: (err) => {
      const target = String((err.meta as { target?: unknown } | undefined)?.target ?? '');
      return target.includes('name')
        ? new AppError('conflict', `a certificate named ${JSON.stringify(imported.certificate.name)} already exists`, {
            fields: [{ field: `${fieldPrefix}name`, message: 'must be unique' }],
          })
        : new AppError('conflict', 'this certificate (issuer and serial number) is already managed');
    },
    [DbErrorCode.ForeignKeyViolation]: () =>
      AppError.validation(
        [
          {
            field: fieldPrefix ? fieldPrefix.replace(/\.$/, '') : 'body',
            message: 'owner_id, team_id, renewal_policy_id and issuer_id must name existing resources',
          },
        ],
        'The import references resources that do not exist.',
      ),
  });
}

/** Certificates imported through the API (POST /api/v1/certificates/import). */
@Injectable()
export class CertificateImportRepository {
  constructor(private readonly db: PrismaService) {}

  /** The managed certificate one of whose versions has this fingerprint, if any. */
  async managedWithFingerprint(fingerprintSha256: string): Promise<string | null> {
    const version = await this.db.certificateVersion.findFirst({ where: { fingerprintSha256 }, select: { certificateId: true } });
    return version?.certificateId ?? null;
  }

  create(imported: ImportedCertificate) {
    return translateImportErrors(
      () =>
        this.db.$transaction(async (tx) => {
          await writeImported(tx, imported);
          const certificate = await tx.certificate.findUniqueOrThrow({ where: { id: imported.certificate.id } });
          const version = await tx.certificateVersion.findUniqueOrThrow({ where: { id: imported.version.id } });
          return { certificate, version };
        }),
      imported,
      '',
    );
  }
}
