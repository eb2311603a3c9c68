-- Approvals: who decided a job awaiting approval, why, and when.
ALTER TABLE "jobs" ADD COLUMN "decided_by" TEXT;
ALTER TABLE "jobs" ADD COLUMN "decision_reason" TEXT;
ALTER TABLE "jobs" ADD COLUMN "decided_at" TIMESTAMPTZ(3);

-- Audit queries by action over time.
CREATE INDEX "audit_events_action_occurred_at_idx" ON "audit_events"("action", "occurred_at");
