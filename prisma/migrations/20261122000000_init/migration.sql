-- certctl-ts initial schema (mirrors prisma/schema.prisma).

-- CreateEnum
CREATE TYPE "api_key_role" AS ENUM ('viewer', 'operator', 'admin', 'agent');
CREATE TYPE "issuer_type" AS ENUM ('local', 'acme', 'script');
CREATE TYPE "key_generation" AS ENUM ('agent', 'server');
CREATE TYPE "certificate_status" AS ENUM ('pending', 'active', 'expiring', 'expired', 'renewal_in_progress', 'failed', 'revoked', 'archived');
CREATE TYPE "job_type" AS ENUM ('issuance', 'renewal', 'deployment', 'revocation');
CREATE TYPE "job_status" AS ENUM ('pending', 'awaiting_approval', 'awaiting_csr', 'running', 'completed', 'failed', 'cancelled');
CREATE TYPE "agent_status" AS ENUM ('online', 'offline', 'retired');
CREATE TYPE "notification_status" AS ENUM ('pending', 'sent', 'failed', 'dead');

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "role" "api_key_role" NOT NULL,
    "key_hash" TEXT NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "agent_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "audit_events" (
    "id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "role" TEXT,
    "action" TEXT NOT NULL,
    "method" TEXT,
    "path" TEXT,
    "resource_type" TEXT,
    "resource_id" TEXT,
    "status" INTEGER,
    "body_sha256" TEXT,
    "latency_ms" INTEGER,
    "request_id" TEXT,
    "source_ip" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "issuers" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "issuer_type" NOT NULL,
    "parent_id" TEXT,
    "config" JSONB NOT NULL DEFAULT '{}',
    "encrypted_config" BYTEA,
    "ca_certificate_pem" TEXT,
    "ca_chain_pem" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "issuers_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ca_keys" (
    "issuer_id" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "encrypted_key" BYTEA NOT NULL,
    "key_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ca_keys_pkey" PRIMARY KEY ("issuer_id")
);

CREATE TABLE "issued_certificates" (
    "job_id" TEXT NOT NULL,
    "issuer_id" TEXT NOT NULL,
    "serial_number" TEXT NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "chain_pem" TEXT NOT NULL,
    "encrypted_private_key" BYTEA,
    "key_version" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "issued_certificates_pkey" PRIMARY KEY ("job_id")
);

CREATE TABLE "teams" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "owners" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "team_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "owners_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "renewal_policies" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "renew_before_days" INTEGER,
    "renew_before_fraction" DOUBLE PRECISION,
    "auto_renew" BOOLEAN NOT NULL DEFAULT true,
    "max_retries" INTEGER NOT NULL DEFAULT 3,
    "alert_thresholds_days" INTEGER[] DEFAULT ARRAY[30, 14, 7, 1]::INTEGER[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "renewal_policies_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "certificate_profiles" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "allowed_key_algorithms" JSONB NOT NULL DEFAULT '[{"algorithm":"ECDSA","min_size":256},{"algorithm":"RSA","min_size":2048}]',
    "max_validity_days" INTEGER NOT NULL DEFAULT 397,
    "ekus" TEXT[] DEFAULT ARRAY['serverAuth']::TEXT[],
    "san_rules" JSONB NOT NULL DEFAULT '{}',
    "requires_approval" BOOLEAN NOT NULL DEFAULT false,
    "short_lived" BOOLEAN NOT NULL DEFAULT false,
    "key_generation" "key_generation" NOT NULL DEFAULT 'server',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "certificate_profiles_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "certificates" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "common_name" TEXT NOT NULL,
    "sans" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "environment" TEXT NOT NULL DEFAULT '',
    "tags" JSONB NOT NULL DEFAULT '{}',
    "status" "certificate_status" NOT NULL DEFAULT 'pending',
    "issuer_id" TEXT NOT NULL,
    "profile_id" TEXT,
    "owner_id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "renewal_policy_id" TEXT NOT NULL,
    "current_version_id" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "source" TEXT NOT NULL DEFAULT 'api',
    "created_by" TEXT NOT NULL DEFAULT '',
    "revoked_at" TIMESTAMPTZ(3),
    "revocation_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "certificate_versions" (
    "id" TEXT NOT NULL,
    "certificate_id" TEXT NOT NULL,
    "job_id" TEXT,
    "issuer_id" TEXT NOT NULL,
    "serial_number" TEXT NOT NULL,
    "fingerprint_sha256" TEXT NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "chain_pem" TEXT NOT NULL,
    "not_before" TIMESTAMPTZ(3) NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "key_algorithm" TEXT NOT NULL,
    "key_size" INTEGER NOT NULL,
    "key_source" "key_generation" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "certificate_versions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "jobs" (
    "id" TEXT NOT NULL,
    "type" "job_type" NOT NULL,
    "status" "job_status" NOT NULL DEFAULT 'pending',
    "certificate_id" TEXT NOT NULL,
    "target_id" TEXT,
    "agent_id" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 3,
    "last_error" TEXT,
    "requested_by" TEXT NOT NULL DEFAULT 'system',
    "traceparent" TEXT,
    "result" JSONB NOT NULL DEFAULT '{}',
    "scheduled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "agents" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "hostname" TEXT NOT NULL DEFAULT '',
    "status" "agent_status" NOT NULL DEFAULT 'offline',
    "os" TEXT NOT NULL DEFAULT '',
    "architecture" TEXT NOT NULL DEFAULT '',
    "version" TEXT NOT NULL DEFAULT '',
    "ip_addresses" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "last_heartbeat_at" TIMESTAMPTZ(3),
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired_at" TIMESTAMPTZ(3),
    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "targets" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "agent_id" TEXT,
    "config" JSONB NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "targets_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "notification_events" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "certificate_id" TEXT,
    "channel" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "message" TEXT NOT NULL,
    "dedupe_key" TEXT,
    "status" "notification_status" NOT NULL DEFAULT 'pending',
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "next_retry_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "delivered_attempt" INTEGER,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "notification_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_name_key" ON "api_keys"("name");
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");
CREATE INDEX "audit_events_occurred_at_idx" ON "audit_events"("occurred_at");
CREATE INDEX "audit_events_actor_occurred_at_idx" ON "audit_events"("actor", "occurred_at");
CREATE INDEX "audit_events_resource_type_resource_id_idx" ON "audit_events"("resource_type", "resource_id");
CREATE UNIQUE INDEX "issuers_name_key" ON "issuers"("name");
CREATE UNIQUE INDEX "issued_certificates_issuer_id_serial_number_key" ON "issued_certificates"("issuer_id", "serial_number");
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");
CREATE UNIQUE INDEX "renewal_policies_name_key" ON "renewal_policies"("name");
CREATE UNIQUE INDEX "certificate_profiles_name_key" ON "certificate_profiles"("name");
CREATE UNIQUE INDEX "certificates_name_key" ON "certificates"("name");
CREATE UNIQUE INDEX "certificates_current_version_id_key" ON "certificates"("current_version_id");
CREATE INDEX "certificates_status_idx" ON "certificates"("status");
CREATE INDEX "certificates_expires_at_idx" ON "certificates"("expires_at");
CREATE INDEX "certificates_issuer_id_idx" ON "certificates"("issuer_id");
CREATE INDEX "certificates_owner_id_idx" ON "certificates"("owner_id");
CREATE INDEX "certificates_team_id_idx" ON "certificates"("team_id");
CREATE UNIQUE INDEX "certificate_versions_job_id_key" ON "certificate_versions"("job_id");
CREATE UNIQUE INDEX "certificate_versions_fingerprint_sha256_key" ON "certificate_versions"("fingerprint_sha256");
CREATE INDEX "certificate_versions_certificate_id_created_at_idx" ON "certificate_versions"("certificate_id", "created_at");
CREATE UNIQUE INDEX "certificate_versions_issuer_id_serial_number_key" ON "certificate_versions"("issuer_id", "serial_number");
CREATE INDEX "jobs_status_scheduled_at_idx" ON "jobs"("status", "scheduled_at");
CREATE INDEX "jobs_certificate_id_idx" ON "jobs"("certificate_id");
CREATE INDEX "jobs_agent_id_status_idx" ON "jobs"("agent_id", "status");
CREATE UNIQUE INDEX "agents_name_key" ON "agents"("name");
CREATE INDEX "agents_status_last_heartbeat_at_idx" ON "agents"("status", "last_heartbeat_at");
CREATE UNIQUE INDEX "targets_agent_id_name_key" ON "targets"("agent_id", "name");
CREATE UNIQUE INDEX "notification_events_dedupe_key_key" ON "notification_events"("dedupe_key");
CREATE INDEX "notification_events_status_next_retry_at_idx" ON "notification_events"("status", "next_retry_at");

-- AddForeignKey
ALTER TABLE "issuers" ADD CONSTRAINT "issuers_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "issuers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ca_keys" ADD CONSTRAINT "ca_keys_issuer_id_fkey" FOREIGN KEY ("issuer_id") REFERENCES "issuers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "issued_certificates" ADD CONSTRAINT "issued_certificates_issuer_id_fkey" FOREIGN KEY ("issuer_id") REFERENCES "issuers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "owners" ADD CONSTRAINT "owners_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_issuer_id_fkey" FOREIGN KEY ("issuer_id") REFERENCES "issuers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_profile_id_fkey" FOREIGN KEY ("profile_id") REFERENCES "certificate_profiles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "owners"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_renewal_policy_id_fkey" FOREIGN KEY ("renewal_policy_id") REFERENCES "renewal_policies"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "certificate_versions" ADD CONSTRAINT "certificate_versions_certificate_id_fkey" FOREIGN KEY ("certificate_id") REFERENCES "certificates"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_certificate_id_fkey" FOREIGN KEY ("certificate_id") REFERENCES "certificates"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "targets" ADD CONSTRAINT "targets_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Audit trail is append-only: the database refuses UPDATE and DELETE.
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "audit_events_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();
