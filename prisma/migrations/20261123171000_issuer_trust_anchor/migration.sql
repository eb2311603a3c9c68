-- Imported CAs: the self-signed root their chain ends at (generated hierarchies have their root as an issuer row).
ALTER TABLE "issuers" ADD COLUMN "trust_anchor_pem" TEXT;
