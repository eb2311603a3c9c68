-- Endpoint health checks (inventory): probed by the scheduler, results kept 30 days.
CREATE TYPE "health_status" AS ENUM ('unknown', 'healthy', 'degraded', 'down', 'cert_mismatch');

CREATE TABLE "health_checks" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "sni" TEXT,
    "expected_fingerprint" TEXT,
    "certificate_id" TEXT,
    "interval_seconds" INTEGER NOT NULL,
    "timeout_ms" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "status" "health_status" NOT NULL DEFAULT 'unknown',
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "last_checked_at" TIMESTAMPTZ(3),
    "next_check_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "served_fingerprint" TEXT,
    "served_not_after" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "health_checks_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "health_checks_name_key" ON "health_checks"("name");
CREATE INDEX "health_checks_enabled_next_check_at_idx" ON "health_checks"("enabled", "next_check_at");
CREATE INDEX "health_checks_status_idx" ON "health_checks"("status");

CREATE TABLE "health_check_results" (
    "id" BIGSERIAL NOT NULL,
    "check_id" TEXT NOT NULL,
    "checked_at" TIMESTAMPTZ(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "latency_ms" INTEGER,
    "served_fingerprint" TEXT,
    "error" TEXT,
    "status_after" "health_status" NOT NULL,
    CONSTRAINT "health_check_results_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "health_check_results_check_id_checked_at_id_idx" ON "health_check_results"("check_id", "checked_at" DESC, "id" DESC);
CREATE INDEX "health_check_results_checked_at_idx" ON "health_check_results"("checked_at");
ALTER TABLE "health_check_results" ADD CONSTRAINT "health_check_results_check_id_fkey"
    FOREIGN KEY ("check_id") REFERENCES "health_checks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
