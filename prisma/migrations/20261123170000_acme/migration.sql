-- ACME server (RFC 8555 + RFC 9773): accounts, external account binding keys, orders,
-- authorizations and challenges. Nonces and rate-limit counters live in Redis.
ALTER TABLE "certificate_profiles"
    ADD COLUMN "acme_auth_mode" TEXT NOT NULL DEFAULT 'challenge',
    ADD COLUMN "acme_eab_required" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "acme_accounts" (
    "id" TEXT NOT NULL,
    "profile_id" TEXT NOT NULL,
    "key_thumbprint" TEXT NOT NULL,
    "jwk" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'valid',
    "contact" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tos_agreed" BOOLEAN NOT NULL DEFAULT false,
    "eab_key_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "acme_accounts_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "acme_accounts_key_thumbprint_key" ON "acme_accounts"("key_thumbprint");

CREATE TABLE "acme_eab_keys" (
    "id" TEXT NOT NULL,
    "profile_id" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "encrypted_hmac_key" BYTEA NOT NULL,
    "key_version" INTEGER NOT NULL,
    "account_id" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "bound_at" TIMESTAMPTZ(3),
    CONSTRAINT "acme_eab_keys_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "acme_eab_keys_account_id_key" ON "acme_eab_keys"("account_id");

CREATE TABLE "acme_orders" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "profile_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "identifiers" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "error" JSONB,
    "replaces" TEXT,
    "certificate_id" TEXT,
    "job_id" TEXT,
    "serial_number" TEXT,
    "certificate_pem" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "acme_orders_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "acme_orders_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "acme_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "acme_orders_account_id_created_at_idx" ON "acme_orders"("account_id", "created_at");
CREATE INDEX "acme_orders_status_expires_at_idx" ON "acme_orders"("status", "expires_at");
CREATE INDEX "acme_orders_serial_number_idx" ON "acme_orders"("serial_number");
CREATE INDEX "acme_orders_job_id_idx" ON "acme_orders"("job_id");

CREATE TABLE "acme_authorizations" (
    "id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "identifier_type" TEXT NOT NULL,
    "identifier_value" TEXT NOT NULL,
    "wildcard" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "acme_authorizations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "acme_authorizations_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "acme_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "acme_authorizations_order_id_idx" ON "acme_authorizations"("order_id");
CREATE INDEX "acme_authorizations_status_expires_at_idx" ON "acme_authorizations"("status", "expires_at");

CREATE TABLE "acme_challenges" (
    "id" TEXT NOT NULL,
    "authorization_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "validated_at" TIMESTAMPTZ(3),
    "error" JSONB,
    "validation_record" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "acme_challenges_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "acme_challenges_authorization_id_fkey" FOREIGN KEY ("authorization_id") REFERENCES "acme_authorizations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "acme_challenges_authorization_id_idx" ON "acme_challenges"("authorization_id");
