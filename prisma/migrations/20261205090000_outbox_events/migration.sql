-- The transactional outbox: a service writes its domain event in the same transaction as the
-- change; its relay publishes the row to JetStream (Nats-Msg-Id = id) and deletes it once the
-- server stored it. The relay scans one service's rows in publish order (service, seq) with
-- SELECT ... FOR UPDATE SKIP LOCKED, so N replicas share the work without publishing a row twice
-- at once.
CREATE TABLE "outbox_events" (
    "id" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "seq" BIGSERIAL NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "outbox_events_service_seq_idx" ON "outbox_events"("service", "seq");
