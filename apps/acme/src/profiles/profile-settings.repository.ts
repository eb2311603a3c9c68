import { Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '@certctl/database';

export type ProfileSettingRow = Prisma.AcmeProfileSettingGetPayload<object>;
export interface ProfileOverrides {
  issuerId: string | null;
  ownerId: string | null;
  teamId: string | null;
  renewalPolicyId: string | null;
}

/** The acme_profile_settings table: per ACME profile, where its certificates land. */
@Injectable()
export class ProfileSettingsRepository {
  constructor(private readonly db: PrismaService) {}

  find(profileId: string): Promise<ProfileSettingRow | null> {
    return this.db.acmeProfileSetting.findUnique({ where: { profileId } });
  }

  save(profileId: string, overrides: ProfileOverrides, updatedBy: string): Promise<ProfileSettingRow> {
    const data = { ...overrides, updatedBy };
    return this.db.acmeProfileSetting.upsert({ where: { profileId }, create: { profileId, ...data }, update: data });
  }
}
