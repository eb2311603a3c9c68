-- Discovered certificates (agent file scans and network scans) and the network scan targets.
CREATE TABLE "discovered_certificates" (
    "id" TEXT NOT NULL,
    "fingerprint_sha256" TEXT NOT NULL,
    "source" TEXT NOT NULL CHECK ("source" IN ('agent', 'network')),
    "source_id" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "server_name" TEXT NOT NULL DEFAULT '',
    "subject" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "sans" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "serial" TEXT NOT NULL,
    "not_before" TIMESTAMPTZ(3) NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "key_algorithm" TEXT NOT NULL,
    "key_size" INTEGER NOT NULL,
    "is_ca" BOOLEAN NOT NULL,
    "self_signed" BOOLEAN NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'unmanaged' CHECK ("status" IN ('unmanaged', 'managed', 'dismissed')),
    "managed_certificate_id" TEXT,
    "dismiss_reason" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seen_count" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "discovered_certificates_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "discovered_certificates_fingerprint_sha256_source_source_id_location_key"
    ON "discovered_certificates"("fingerprint_sha256", "source", "source_id", "location");
CREATE INDEX "discovered_certificates_status_not_after_idx" ON "discovered_certificates"("status", "not_after");
CREATE INDEX "discovered_certificates_source_source_id_idx" ON "discovered_certificates"("source", "source_id");
CREATE INDEX "discovered_certificates_not_after_idx" ON "discovered_certificates"("not_after");

CREATE TABLE "network_scan_targets" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "cidrs" TEXT[],
    "ports" INTEGER[],
    "interval_seconds" INTEGER NOT NULL,
    "timeout_ms" INTEGER NOT NULL,
    "concurrency" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "last_run_at" TIMESTAMPTZ(3),
    "next_run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "network_scan_targets_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "network_scan_targets_name_key" ON "network_scan_targets"("name");
CREATE INDEX "network_scan_targets_enabled_next_run_at_idx" ON "network_scan_targets"("enabled", "next_run_at");
