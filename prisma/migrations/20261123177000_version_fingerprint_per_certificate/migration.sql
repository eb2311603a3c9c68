-- One certificate may appear in two inventory entries: when the `acme` issuer connector
-- obtains it from this platform's own ACME server, the ACME server records its copy
-- (source acme) and the connector's certificate records the same leaf. A fingerprint is
-- therefore unique per certificate entry, and still indexed for look-ups.
DROP INDEX "certificate_versions_fingerprint_sha256_key";

CREATE UNIQUE INDEX "certificate_versions_certificate_id_fingerprint_sha256_key" ON "certificate_versions"("certificate_id", "fingerprint_sha256");

CREATE INDEX "certificate_versions_fingerprint_sha256_idx" ON "certificate_versions"("fingerprint_sha256");
