import { Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '@certctl/contracts';
import { DbErrorCode, Prisma, PrismaService, translateDbErrors } from '@certctl/database';

export type EnrollmentProfileRow = Prisma.EnrollmentProfileGetPayload<object>;
export type EnrollmentProfileData = Prisma.EnrollmentProfileUncheckedCreateInput;

/** The references an enrollment profile holds in inventory's tables, by body field (the issuer is issuance's). */
export interface PlacementIds {
  profile_id?: string;
  owner_id?: string;
  team_id?: string;
  renewal_policy_id?: string;
}

/** A current certificate an enrollment profile issued, found by the fingerprint of its current version. */
export interface EnrolledCertificate {
  id: string;
  commonName: string;
  sans: string[];
}

const labelTaken = (label: unknown) => () =>
  new AppError('conflict', `an enrollment profile labelled ${JSON.stringify(label)} already exists for this protocol`, {
    fields: [{ field: 'label', message: 'must be unique per protocol' }],
  });

/** The `enrollment_profiles` table, and the certificates its enrollments made. */
@Injectable()
export class EnrollmentProfileRepository {
  constructor(private readonly db: PrismaService) {}

  insert(data: EnrollmentProfileData): Promise<EnrollmentProfileRow> {
    return translateDbErrors(() => this.db.enrollmentProfile.create({ data }), { [DbErrorCode.UniqueViolation]: labelTaken(data.label) });
  }

  /** The changed row; null when there is no such profile. */
  update(id: string, data: Prisma.EnrollmentProfileUncheckedUpdateInput): Promise<EnrollmentProfileRow | null> {
    return translateDbErrors(async () => (await this.db.enrollmentProfile.updateManyAndReturn({ where: { id }, data }))[0] ?? null, {
      [DbErrorCode.UniqueViolation]: labelTaken(data.label),
    });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.enrollmentProfile.deleteMany({ where: { id } })).count > 0;
  }

  findById(id: string): Promise<EnrollmentProfileRow | null> {
    return this.db.enrollmentProfile.findUnique({ where: { id } });
  }

  findByLabel(protocol: string, label: string): Promise<EnrollmentProfileRow | null> {
    return this.db.enrollmentProfile.findUnique({ where: { protocol_label: { protocol, label } } });
  }

  /** Up to two profiles of the protocol (enough to tell "the only one" from "several"). */
  firstTwo(protocol: string): Promise<EnrollmentProfileRow[]> {
    return this.db.enrollmentProfile.findMany({ where: { protocol }, orderBy: { id: 'asc' }, take: 2 });
  }

  /** A page in id order, after `afterId`. */
  list(protocol: string | undefined, afterId: string | undefined, take: number): Promise<EnrollmentProfileRow[]> {
    return this.db.enrollmentProfile.findMany({
      where: { ...(protocol ? { protocol } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take,
    });
  }

  /** One problem per referenced id that does not exist. */
  async missingReferences(ids: PlacementIds): Promise<FieldError[]> {
    const exists = {
      profile_id: (id: string) => this.db.certificateProfile.count({ where: { id } }),
      owner_id: (id: string) => this.db.owner.count({ where: { id } }),
      team_id: (id: string) => this.db.team.count({ where: { id } }),
      renewal_policy_id: (id: string) => this.db.renewalPolicy.count({ where: { id } }),
    };
    const checks = (Object.keys(exists) as (keyof PlacementIds)[])
      .filter((field) => typeof ids[field] === 'string')
      .map(async (field): Promise<FieldError | null> =>
        (await exists[field](ids[field]!)) ? null : { field, message: `${JSON.stringify(ids[field])} does not exist` },
      );
    return (await Promise.all(checks)).filter((problem): problem is FieldError => problem !== null);
  }

  /** The profile's certificate whose current version has this fingerprint (not revoked nor archived). */
  async findCurrentByFingerprint(source: string, label: string, fingerprint: string): Promise<EnrolledCertificate | null> {
    const rows = await this.db.$queryRaw<EnrolledCertificate[]>`
      SELECT c.id, c.common_name AS "commonName", c.sans FROM certificates c
      JOIN certificate_versions v ON v.id = c.current_version_id
      WHERE v.fingerprint_sha256 = ${fingerprint} AND c.source = ${source} AND c.tags->>'enrollment_profile' = ${label}
        AND c.status::text NOT IN ('revoked', 'archived', 'expired')
      LIMIT 1`;
    return rows[0] ?? null;
  }

  /**
   * Locks the profile's certificate `id` when it can be renewed now (status leading to
   * renewal_in_progress, no open issuance or renewal); its id, or undefined.
   */
  async lockRenewable(
    lookup: { id: string; source: string; label: string; renewableFrom: string[]; openJobStatuses: readonly string[] },
    tx: Prisma.TransactionClient,
  ): Promise<string | undefined> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT c.id FROM certificates c
      WHERE c.id = ${lookup.id} AND c.source = ${lookup.source} AND c.tags->>'enrollment_profile' = ${lookup.label}
        AND c.status::text = ANY(${lookup.renewableFrom}::text[])
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id AND j.type IN ('issuance', 'renewal')
                        AND j.status::text = ANY(${[...lookup.openJobStatuses]}::text[]))
      FOR UPDATE`;
    return rows[0]?.id;
  }
}
