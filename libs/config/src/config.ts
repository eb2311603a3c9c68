import { z } from 'zod';
import { SecretBox } from '@certctl/pki';

/** Variables whose values never appear in messages or logs. */
const SECRET_PATTERN = /(KEY|KEYS|SECRET|PASSWORD|TOKEN|_URL)$/;

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

/**
 * Circuit breaking towards each service on the bus and each forwarded upstream
 * (docs/reliability.md): after CERTCTL_BREAKER_FAILURES requests in a row unanswered in time,
 * calls fail at once for CERTCTL_BREAKER_OPEN_MS (doubled after each failed probe, up to
 * CERTCTL_BREAKER_MAX_OPEN_MS). 0 failures turns it off. Part of every service's environment, and
 * what libs/messaging's breakerFromEnv reads.
 */
export const breakerEnvSchema = z.object({
  CERTCTL_BREAKER_FAILURES: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(1000).default(5)),
  CERTCTL_BREAKER_OPEN_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(100).max(600000).default(2000)),
  CERTCTL_BREAKER_MAX_OPEN_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(100).max(600000).default(10000)),
});

/** Environment every service reads. Each app extends it with its own variables. */
export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CERTCTL_HOST: z.string().default('127.0.0.1'),
  CERTCTL_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(60000).default(10000),
  /**
   * After SIGTERM, how long a service keeps serving with readiness already 503 before it stops
   * accepting connections: the time its load balancer needs to notice (docs/reliability.md, "Replicas").
   */
  CERTCTL_SHUTDOWN_DRAIN_MS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(0).max(30000).default(0)),
  CERTCTL_NATS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(5000),
  ...breakerEnvSchema.shape,
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
const MIN_SECRET = 32;

/** `1:<secret>,2:<secret>`: versions are integers ≥ 1, each secret at least 32 characters (no commas). */
const keyringSchema = z.string().transform((raw, ctx) => {
  const keys: Record<number, string> = {};
  for (const [i, entry] of raw.split(',').entries()) {
    const m = /^\s*([0-9]+):(.*)$/s.exec(entry);
    const version = m ? Number(m[1]) : NaN;
    const secret = m ? m[2].trim() : '';
    if (!m || !Number.isSafeInteger(version) || version < 1 || version > 0xffffffff) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must be <version>:<secret> with a version of 1 or more` });
    } else if (secret.length < MIN_SECRET) {
      ctx.addIssue({ code: 'custom', message: `the secret of version ${version} must be at least ${MIN_SECRET} characters` });
    } else if (keys[version] !== undefined) {
      ctx.addIssue({ code: 'custom', message: `version ${version} is given twice` });
    } else {
      keys[version] = secret;
    }
  }
  return keys;
});

/**
 * The encryption keys of the values sealed at rest. Either one key (CERTCTL_ENCRYPTION_KEY,
 * which is version 1), or a keyring for rotation: CERTCTL_ENCRYPTION_KEYS=`1:<old>,2:<new>`
 * with CERTCTL_ENCRYPTION_KEY_VERSION naming the one new values are sealed with (default:
 * the highest). Both may be set: the single key then joins the keyring as version 1.
 * Build boxes with secretBoxFromConfig, never from one of these variables directly.
 */
export const encryptionEnvSchema = z.object({
  CERTCTL_ENCRYPTION_KEY: z.preprocess(emptyAsUnset, z.string().min(MIN_SECRET, 'must be at least 32 characters').optional()),
  CERTCTL_ENCRYPTION_KEYS: z.preprocess(emptyAsUnset, keyringSchema.optional()),
  CERTCTL_ENCRYPTION_KEY_VERSION: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(0xffffffff).optional()),
});
export type EncryptionConfig = z.output<typeof encryptionEnvSchema>;

export interface EncryptionKeyring {
  keys: Record<number, string>;
  currentVersion: number;
}

/** The keyring the encryption variables describe; ConfigError (never echoing a secret) when they do not add up. */
export function encryptionKeyring(cfg: EncryptionConfig): EncryptionKeyring {
  const keys: Record<number, string> = { ...(cfg.CERTCTL_ENCRYPTION_KEYS ?? {}) };
  if (cfg.CERTCTL_ENCRYPTION_KEY !== undefined) {
    if (keys[1] !== undefined && keys[1] !== cfg.CERTCTL_ENCRYPTION_KEY) {
      throw new ConfigError([
        'CERTCTL_ENCRYPTION_KEY: is version 1, but CERTCTL_ENCRYPTION_KEYS gives version 1 another secret (give it in one place only)',
      ]);
    }
    keys[1] = cfg.CERTCTL_ENCRYPTION_KEY;
  }
  const versions = Object.keys(keys).map(Number);
  if (versions.length === 0) {
    throw new ConfigError(['CERTCTL_ENCRYPTION_KEY: required (or CERTCTL_ENCRYPTION_KEYS=<version>:<secret>,...) (got (unset))']);
  }
  const currentVersion = cfg.CERTCTL_ENCRYPTION_KEY_VERSION ?? Math.max(...versions);
  if (keys[currentVersion] === undefined) {
    throw new ConfigError([
      `CERTCTL_ENCRYPTION_KEY_VERSION: version ${currentVersion} is not among the keys (have ${versions.sort((a, b) => a - b).join(', ')})`,
    ]);
  }
  return { keys, currentVersion };
}

/** The one way services build the box that seals and opens values at rest: every configured version opens, the current one seals. */
export function secretBoxFromConfig(cfg: EncryptionConfig): SecretBox {
  const ring = encryptionKeyring(cfg);
  return new SecretBox(ring.keys, ring.currentVersion);
}

/** The current version's secret, for keys derived from it that need no rotation (e.g. short-lived ACME nonces). */
export function currentEncryptionSecret(cfg: EncryptionConfig): string {
  const ring = encryptionKeyring(cfg);
  return ring.keys[ring.currentVersion];
}

export const portSchema = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/**
 * Parses the environment once at start. Every problem is listed (not only the
 * first), secret values are never echoed.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  // A service that seals values at rest needs a keyring that adds up, checked with the rest at start.
  const sealing = 'CERTCTL_ENCRYPTION_KEYS' in schema.shape;
  if (result.success) {
    if (sealing) encryptionKeyring(result.data as EncryptionConfig);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    return `${name}: ${issue.message} (got ${redact(name, env[name])})`;
  });
  if (sealing && emptyAsUnset(env.CERTCTL_ENCRYPTION_KEY) === undefined && emptyAsUnset(env.CERTCTL_ENCRYPTION_KEYS) === undefined) {
    problems.push('CERTCTL_ENCRYPTION_KEY: required (or CERTCTL_ENCRYPTION_KEYS=<version>:<secret>,...) (got (unset))');
  }
  throw new ConfigError(problems);
}

/**
 * The renewal jitter, shared by the scheduler (which starts renewal jobs with it) and
 * inventory (which shows each certificate's renewal start): renewal starts are spread over
 * up to this long after they are due, and at most 10% of the time left.
 */
export const renewalEnvSchema = z.object({
  CERTCTL_RENEWAL_JITTER_MAX_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(60 * 60000),
});
