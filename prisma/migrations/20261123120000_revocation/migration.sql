-- Revocation service: revocations, signed CRLs, OCSP responders, bulk revocations.
CREATE TABLE "revocations" (
    "id" TEXT NOT NULL,
    "issuer_id" TEXT NOT NULL,
    "serial_number" TEXT NOT NULL,
    "certificate_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "revoked_at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "short_lived" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "revocations_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "crls" (
    "issuer_id" TEXT NOT NULL,
    "number" BIGINT NOT NULL,
    "this_update" TIMESTAMPTZ(3) NOT NULL,
    "next_update" TIMESTAMPTZ(3) NOT NULL,
    "der" BYTEA NOT NULL,
    "etag" TEXT NOT NULL,
    "entries" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "crls_pkey" PRIMARY KEY ("issuer_id","number")
);

CREATE TABLE "ocsp_responders" (
    "issuer_id" TEXT NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "encrypted_key" BYTEA NOT NULL,
    "key_version" INTEGER NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "ocsp_responders_pkey" PRIMARY KEY ("issuer_id")
);

CREATE TABLE "bulk_revocations" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "reason" TEXT NOT NULL,
    "certificate_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "total" INTEGER NOT NULL DEFAULT 0,
    "revoked" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "requested_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "bulk_revocations_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "revocations_issuer_id_serial_number_key" ON "revocations"("issuer_id", "serial_number");
CREATE INDEX "revocations_issuer_id_not_after_idx" ON "revocations"("issuer_id", "not_after");
CREATE INDEX "revocations_certificate_id_idx" ON "revocations"("certificate_id");
