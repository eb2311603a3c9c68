-- Who created each API key, and whose key it is for the two-person rule: a key created by
-- a root key (one no key created: the bootstrap key, keys from before this migration) is
-- its own owner; a key created by any other key has its creator's owner.
ALTER TABLE "api_keys"
    ADD COLUMN "created_by" TEXT,
    ADD COLUMN "owner_key_id" TEXT;
UPDATE "api_keys" SET "owner_key_id" = "id";
ALTER TABLE "api_keys" ALTER COLUMN "owner_key_id" SET NOT NULL;

-- The key (and its owner) that requested a job: nobody approves what they or a key they made requested.
ALTER TABLE "jobs"
    ADD COLUMN "requested_by_key_id" TEXT,
    ADD COLUMN "requested_by_owner" TEXT;
