-- The finalize CSR of an ACME order, kept while the order is processing: an order whose
-- finalization was interrupted (the ACME service stopped mid-request) is finished from it.
ALTER TABLE "acme_orders" ADD COLUMN "csr_pem" TEXT;
