-- Enrollment profiles (inventory): how EST and SCEP clients enroll, one label per protocol.
CREATE TABLE "enrollment_profiles" (
    "id" TEXT NOT NULL,
    "protocol" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "profile_id" TEXT NOT NULL,
    "issuer_id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "renewal_policy_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "enrollment_profiles_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "enrollment_profiles_protocol_check" CHECK ("protocol" IN ('est', 'scep'))
);
CREATE UNIQUE INDEX "enrollment_profiles_protocol_label_key" ON "enrollment_profiles"("protocol", "label");
