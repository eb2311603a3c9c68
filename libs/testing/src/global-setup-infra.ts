import { createTestDatabase, ensureInfra, infraEnv } from './infra';

/** Integration tier: real PostgreSQL/Redis/NATS from the project's script, and a fresh database. */
export default async function globalSetup(): Promise<void> {
  ensureInfra();
  const env = infraEnv();
  process.env.REDIS_URL = env.REDIS_URL;
  process.env.NATS_URL = env.NATS_URL;
  process.env.DATABASE_URL = await createTestDatabase('certctl_it', env.DATABASE_URL);
}
