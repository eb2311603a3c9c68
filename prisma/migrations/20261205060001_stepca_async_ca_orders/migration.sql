-- step-ca issuers, and asynchronous CAs: jobs waiting for a CA's order (awaiting_ca) and the
-- orders the issuance service polls (ca_orders).
ALTER TYPE "issuer_type" ADD VALUE 'stepca';
ALTER TYPE "job_status" ADD VALUE 'awaiting_ca';

CREATE TABLE "ca_orders" (
    "job_id" TEXT NOT NULL,
    "issuer_id" TEXT NOT NULL,
    "ca_order_id" TEXT NOT NULL,
    "csr_pem" TEXT NOT NULL,
    "encrypted_private_key" BYTEA,
    "key_version" INTEGER,
    "polls" INTEGER NOT NULL DEFAULT 0,
    "next_poll_at" TIMESTAMPTZ(3) NOT NULL,
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "last_detail" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "ca_orders_pkey" PRIMARY KEY ("job_id")
);
CREATE INDEX "ca_orders_next_poll_at_idx" ON "ca_orders"("next_poll_at");
ALTER TABLE "ca_orders" ADD CONSTRAINT "ca_orders_issuer_id_fkey"
    FOREIGN KEY ("issuer_id") REFERENCES "issuers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
