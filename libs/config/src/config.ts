import { z } from 'zod';

/** Variables whose values never appear in messages or logs. */
const SECRET_PATTERN = /(KEY|SECRET|PASSWORD|TOKEN|_URL)$/;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function redact(name: string, value: string | undefined): string {
  if (value === undefined) return '(unset)';
  if (!SECRET_PATTERN.test(name)) return JSON.stringify(value);
  if (name.endsWith('_URL')) return JSON.stringify(value.replace(/\/\/([^@/]*)@/, '//****@'));
  return '(redacted)';
}

/** An empty or blank variable counts as unset, so its default (or absence) applies. */
export function emptyAsUnset(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** Environment every service reads. Each app extends it with its own variables. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CERTCTL_HOST: z.string().default('127.0.0.1'),
  CERTCTL_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60000).default(10000),
  CERTCTL_NATS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(5000),
  /** OTLP/HTTP collector base URL; empty (as compose/helm templates often pass it) means unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUnset, z.url().optional()),
});

export const databaseEnvSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  CERTCTL_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
});
export const redisEnvSchema = z.object({ REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL') });
const optionalString = z.preprocess(emptyAsUnset, z.string().optional());
/**
 * NATS: the URL, this service's own NATS user (docs/architecture.md, "Bus credentials"),
 * optional TLS, and the keys of signed principals (the signing key of this service when it
 * asserts actors; the verify keys of the signers it accepts). All but the URL are optional:
 * without them the bus runs unauthenticated, with a warning at start.
 */
export const natsEnvSchema = z.object({
  NATS_URL: z.string().regex(/^(nats|tls):\/\//, 'must be a nats:// URL'),
  NATS_USER: optionalString,
  NATS_PASSWORD: optionalString,
  /** CA bundle to verify the NATS server's certificate (turns TLS on). */
  NATS_TLS_CA_FILE: optionalString,
  CERTCTL_PRINCIPAL_SIGNING_KEY: optionalString,
  CERTCTL_PRINCIPAL_VERIFY_KEY: optionalString,
  CERTCTL_PRINCIPAL_VERIFY_KEYS: optionalString,
});
export const encryptionEnvSchema = z.object({
  CERTCTL_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters'),
});
export const portSchema = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/**
 * Parses the environment once at start. Every problem is listed (not only the
 * first), secret values are never echoed.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    return `${name}: ${issue.message} (got ${redact(name, env[name])})`;
  });
  throw new ConfigError(problems);
}
