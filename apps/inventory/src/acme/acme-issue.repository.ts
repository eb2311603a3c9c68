import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';

/** What identifies the ACME account's earlier certificate for exactly these names. */
export interface RenewableLookup {
  accountId: string;
  profileId: string;
  names: string[];
  /** Certificate statuses from which renewal_in_progress may be reached. */
  renewableFrom: string[];
  /** Job statuses that count as an open issuance or renewal. */
  openJobStatuses: readonly string[];
}

/** The ACME side of recording an order: which earlier certificate of the account it renews. */
@Injectable()
export class AcmeIssueRepository {
  constructor(private readonly db: PrismaService) {}

  /** The version a job stored (certificate_versions.job_id is unique), or null while it has none. */
  findVersionOfJob(jobId: string): Promise<{ serialNumber: string; certificatePem: string; chainPem: string } | null> {
    return this.db.certificateVersion.findUnique({
      where: { jobId },
      select: { serialNumber: true, certificatePem: true, chainPem: true },
    });
  }

  /**
   * Locks the account's newest certificate for exactly these names that can be renewed and has
   * no open issuance or renewal (skipping one a concurrent order holds); its id, or undefined.
   */
  async lockRenewable(lookup: RenewableLookup, tx: Prisma.TransactionClient): Promise<string | undefined> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT c.id FROM certificates c
      WHERE c.source = 'acme' AND c.tags->>'acme_account_id' = ${lookup.accountId}
        AND c.profile_id = ${lookup.profileId}
        AND c.sans = ${lookup.names}::text[]
        AND c.status::text = ANY(${lookup.renewableFrom}::text[])
        AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.certificate_id = c.id AND j.type IN ('issuance', 'renewal')
                        AND j.status::text = ANY(${[...lookup.openJobStatuses]}::text[]))
      ORDER BY c.created_at DESC LIMIT 1
      FOR UPDATE SKIP LOCKED`;
    return rows[0]?.id;
  }
}
