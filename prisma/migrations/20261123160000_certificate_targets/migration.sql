-- Target bindings: each issued version of a certificate is deployed to its bound targets.
CREATE TABLE "certificate_targets" (
    "certificate_id" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "certificate_targets_pkey" PRIMARY KEY ("certificate_id", "target_id"),
    CONSTRAINT "certificate_targets_certificate_id_fkey" FOREIGN KEY ("certificate_id") REFERENCES "certificates"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "certificate_targets_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "certificate_targets_target_id_idx" ON "certificate_targets"("target_id");
