-- ACME refuses identifiers that cannot be public DNS names (localhost, *.local, *.internal,
-- RFC 6761 special-use names, single labels) unless the certificate profile allows them.
ALTER TABLE "certificate_profiles" ADD COLUMN "allow_internal_names" BOOLEAN NOT NULL DEFAULT false;
