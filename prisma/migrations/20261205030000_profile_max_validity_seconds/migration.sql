-- Short-lived and test profiles: validity in seconds (300 s to 3650 days, checked by the API).
-- NULL: max_validity_days applies.
ALTER TABLE "certificate_profiles" ADD COLUMN "max_validity_seconds" INTEGER;
