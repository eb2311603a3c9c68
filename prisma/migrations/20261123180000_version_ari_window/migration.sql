-- The renewal window an issuer suggests for a certificate version (ACME Renewal Information,
-- RFC 9773): the scheduler renews inside it instead of by the renewal policy.
ALTER TABLE "certificate_versions"
    ADD COLUMN "ari_window_start" TIMESTAMPTZ(3),
    ADD COLUMN "ari_window_end" TIMESTAMPTZ(3);
