-- Agent key generation: the agent that holds a certificate's key, and the CSR it submitted for a job.
ALTER TABLE "certificates" ADD COLUMN "agent_id" TEXT;
CREATE INDEX "certificates_agent_id_idx" ON "certificates"("agent_id");
ALTER TABLE "jobs" ADD COLUMN "csr_pem" TEXT;
