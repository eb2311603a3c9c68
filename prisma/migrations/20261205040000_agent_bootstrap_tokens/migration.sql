-- Agent bootstrap tokens (gateway): exchanged once (or `uses_left` times) for an agent and its API key.
-- Only the SHA-256 of the token is stored.
CREATE TABLE "agent_bootstrap_tokens" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "name_prefix" TEXT,
    "uses_left" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "agent_bootstrap_tokens_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "agent_bootstrap_tokens_uses_left_check" CHECK ("uses_left" >= 0)
);

CREATE UNIQUE INDEX "agent_bootstrap_tokens_token_hash_key" ON "agent_bootstrap_tokens"("token_hash");
