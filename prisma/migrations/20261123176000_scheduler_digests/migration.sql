-- Scheduler: the daily digest. One row per UTC day, claimed before the digest is built and
-- marked sent after it was handed to the notifications service, so two replicas or a
-- restart never send the same day's digest twice.
CREATE TABLE "scheduler_digests" (
    "digest_date" DATE NOT NULL,
    "holder" TEXT NOT NULL,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "notifications" INTEGER,
    "summary" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "scheduler_digests_pkey" PRIMARY KEY ("digest_date")
);
