-- Per ACME profile: the issuer, owner, team and renewal policy of the certificates it issues.
-- A NULL column means the server setting (CERTCTL_ACME_ISSUER_ID, _OWNER_ID, _TEAM_ID, _RENEWAL_POLICY_ID).
CREATE TABLE "acme_profile_settings" (
    "profile_id" TEXT NOT NULL,
    "issuer_id" TEXT,
    "owner_id" TEXT,
    "team_id" TEXT,
    "renewal_policy_id" TEXT,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "acme_profile_settings_pkey" PRIMARY KEY ("profile_id")
);
