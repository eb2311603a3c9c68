-- The certificate list at inventory scale: keyset order by creation or name, and a
-- substring search on name and common name (trigram indexes).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "certificates_created_at_id_idx" ON "certificates"("created_at", "id");
CREATE INDEX "certificates_name_id_idx" ON "certificates"("name", "id");
CREATE INDEX "certificates_name_trgm_idx" ON "certificates" USING gin ("name" gin_trgm_ops);
CREATE INDEX "certificates_common_name_trgm_idx" ON "certificates" USING gin ("common_name" gin_trgm_ops);
