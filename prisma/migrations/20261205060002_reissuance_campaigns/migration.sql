-- Emergency fleet re-issuance campaigns (inventory): one row per campaign, one per selected certificate.
CREATE TABLE "reissuance_campaigns" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "selector" JSONB NOT NULL DEFAULT '{}',
    "new_issuer_id" TEXT,
    "revoke_old" TEXT,
    "force_revoke" BOOLEAN NOT NULL DEFAULT false,
    "rate_per_minute" INTEGER NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "reissuance_campaigns_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "reissuance_campaigns_status_idx" ON "reissuance_campaigns"("status");
CREATE INDEX "reissuance_campaigns_created_at_id_idx" ON "reissuance_campaigns"("created_at", "id");

CREATE TABLE "reissuance_items" (
    "id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "certificate_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "old_version_id" TEXT,
    "old_serial" TEXT,
    "old_issuer_id" TEXT,
    "job_id" TEXT,
    "new_version_id" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "reissuance_items_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "reissuance_items_campaign_id_certificate_id_key" ON "reissuance_items"("campaign_id", "certificate_id");
CREATE INDEX "reissuance_items_campaign_id_status_idx" ON "reissuance_items"("campaign_id", "status");
CREATE INDEX "reissuance_items_status_idx" ON "reissuance_items"("status");
ALTER TABLE "reissuance_items" ADD CONSTRAINT "reissuance_items_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "reissuance_campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
