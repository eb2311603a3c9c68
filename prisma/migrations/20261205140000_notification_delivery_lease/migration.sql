-- One delivery attempt at a time per notification: the attempt under way holds the row until then.
ALTER TABLE "notification_events" ADD COLUMN "delivering_until" TIMESTAMPTZ(3);
