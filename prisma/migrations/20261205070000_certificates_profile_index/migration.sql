-- The certificates list filters by profile (GET /api/v1/certificates?profile_id=...).
CREATE INDEX "certificates_profile_id_idx" ON "certificates"("profile_id");
