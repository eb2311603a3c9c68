-- Scheduler: renewal jobs created by loops are deduplicated by an idempotency key
-- (renewal:<certificate id>:<version id>), so repeated scans and replicas create one job.
ALTER TABLE "jobs" ADD COLUMN "idempotency_key" TEXT;
CREATE UNIQUE INDEX "jobs_idempotency_key_key" ON "jobs"("idempotency_key");

-- Scheduler leases: one row per loop, held by one replica until it expires.
CREATE TABLE "scheduler_leases" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "scheduler_leases_pkey" PRIMARY KEY ("name")
);

-- Notifications: channel, severity, payload, requeue generation on each delivery row.
ALTER TABLE "notification_events" ADD COLUMN "channel_id" TEXT;
ALTER TABLE "notification_events" ADD COLUMN "severity" TEXT NOT NULL DEFAULT 'info';
ALTER TABLE "notification_events" ADD COLUMN "payload" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "notification_events" ADD COLUMN "generation" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "notification_events" ADD COLUMN "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
CREATE INDEX "notification_events_status_created_at_idx" ON "notification_events"("status", "created_at");

CREATE TABLE "notification_channels" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "encrypted_secret" BYTEA,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "notification_channels_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "notification_channels_name_key" ON "notification_channels"("name");

CREATE TABLE "notification_rules" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "renewal_policy_id" TEXT,
    "team_id" TEXT,
    "owner_id" TEXT,
    "events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "min_severity" TEXT NOT NULL DEFAULT 'info',
    "channel_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "notification_rules_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "notification_rules_name_key" ON "notification_rules"("name");
