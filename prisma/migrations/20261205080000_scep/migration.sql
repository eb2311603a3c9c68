-- SCEP (gateway): the RA certificate of each enrollment profile (key sealed at rest), the
-- one-time challenge passwords (only their SHA-256 kept) and the transactions a client polls.
-- A transaction is its transactionID and signer: scepclient derives the transactionID from the
-- key, so a renewal with the same key repeats the enrollment's transactionID under another signer.
CREATE TABLE "scep_ra_certificates" (
    "enrollment_profile_id" TEXT NOT NULL,
    "certificate_pem" TEXT NOT NULL,
    "chain_pem" TEXT NOT NULL,
    "encrypted_key" BYTEA NOT NULL,
    "key_version" INTEGER NOT NULL,
    "not_after" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "scep_ra_certificates_pkey" PRIMARY KEY ("enrollment_profile_id")
);

CREATE TABLE "scep_challenges" (
    "id" TEXT NOT NULL,
    "enrollment_profile_id" TEXT NOT NULL,
    "challenge_hash" TEXT NOT NULL,
    "note" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "scep_challenges_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "scep_challenges_challenge_hash_key" ON "scep_challenges"("challenge_hash");
CREATE INDEX "scep_challenges_expires_at_idx" ON "scep_challenges"("expires_at");

CREATE TABLE "scep_transactions" (
    "enrollment_profile_id" TEXT NOT NULL,
    "transaction_id" TEXT NOT NULL,
    "signer_fingerprint" TEXT NOT NULL,
    "certificate_id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "scep_transactions_pkey" PRIMARY KEY ("enrollment_profile_id", "transaction_id", "signer_fingerprint")
);
CREATE INDEX "scep_transactions_created_at_idx" ON "scep_transactions"("created_at");
