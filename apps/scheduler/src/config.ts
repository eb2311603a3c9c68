import { baseEnvSchema, databaseEnvSchema, natsEnvSchema, portSchema, redisEnvSchema, renewalEnvSchema } from '@certctl/config';
import { DIGEST_MAX_ITEMS } from '@certctl/contracts';
import { z } from 'zod';

const ms = (fallback: number) => z.coerce.number().int().min(100).default(fallback);
const MIN = 60000;

export const schedulerEnvSchema = baseEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(natsEnvSchema.shape)
  // Renewal starts are spread over up to CERTCTL_RENEWAL_JITTER_MAX_MS after they are due.
  .extend(renewalEnvSchema.shape)
  .extend({
    CERTCTL_SCHEDULER_PORT: portSchema(8085),
    /** Loop intervals (ms). 0 is not allowed; set CERTCTL_SCHEDULER_LOOPS to turn loops off. */
    CERTCTL_SCHEDULER_RENEWAL_INTERVAL_MS: ms(5 * MIN),
    CERTCTL_SCHEDULER_EXPIRY_ALERT_INTERVAL_MS: ms(60 * MIN),
    CERTCTL_SCHEDULER_AGENT_OFFLINE_INTERVAL_MS: ms(MIN),
    CERTCTL_SCHEDULER_JOB_REAPER_INTERVAL_MS: ms(5 * MIN),
    /** How often the revocation service is asked to rebuild CRLs that are due. */
    CERTCTL_SCHEDULER_CRL_REFRESH_INTERVAL_MS: ms(10 * MIN),
    /** How often the ACME service expires orders and pending authorizations past their expiry (nonces expire in Redis). */
    CERTCTL_SCHEDULER_ACME_GC_INTERVAL_MS: ms(10 * MIN),
    /** How often the network-scan loop looks for due network scan targets (each has its own interval). */
    CERTCTL_SCHEDULER_NETWORK_SCAN_INTERVAL_MS: ms(MIN),
    /** Network scans may only touch blocks inside these (comma-separated CIDRs); empty: scanning off. Checked again at every run. */
    CERTCTL_NETWORK_SCAN_ALLOWED_CIDRS: z.string().default(''),
    /** How often running re-issuance campaigns are driven (start within their rate, advance, revoke; docs/fleet-reissuance.md). */
    CERTCTL_SCHEDULER_REISSUANCE_INTERVAL_MS: ms(5000),
    /** How often certificates are moved to Expiring / Expired. */
    CERTCTL_SCHEDULER_EXPIRY_STATUS_INTERVAL_MS: ms(5 * MIN),
    /** A certificate is Expiring this many days before its notAfter (0: never marked Expiring, only Expired). */
    CERTCTL_EXPIRING_WITHIN_DAYS: z.coerce.number().int().min(0).max(365).default(30),
    /** How often due endpoint health checks are looked for (each check has its own interval, 30 s or more). */
    CERTCTL_SCHEDULER_HEALTH_CHECK_INTERVAL_MS: ms(10000),
    /** How often health-check results older than CERTCTL_HEALTH_CHECK_RETENTION_DAYS are deleted. */
    CERTCTL_SCHEDULER_HEALTH_RETENTION_INTERVAL_MS: ms(60 * MIN),
    /** Health checks claimed per round, and TLS handshakes run at once. */
    CERTCTL_HEALTH_CHECK_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
    CERTCTL_HEALTH_CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(20),
    CERTCTL_HEALTH_CHECK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /** Results deleted per statement by the retention loop. */
    CERTCTL_HEALTH_CHECK_PRUNE_BATCH_SIZE: z.coerce.number().int().min(100).max(100000).default(5000),
    /** Comma-separated loops to run (default all): renewal,expiry-alerts,expiry-status,agent-offline,job-reaper,crl-refresh,acme-gc,digest,health-checks,health-retention,network-scan,reissuance. */
    CERTCTL_SCHEDULER_LOOPS: z
      .string()
      .default(
        'renewal,expiry-alerts,expiry-status,agent-offline,job-reaper,crl-refresh,acme-gc,digest,health-checks,health-retention,network-scan,reissuance',
      ),
    /** Certificates per scan page (one inventory request each; ~0.5 KB each, under the 1 MB NATS message limit). */
    CERTCTL_SCHEDULER_BATCH_SIZE: z.coerce.number().int().min(10).max(2000).default(1000),
    /** Agents heartbeat every this many ms; offline after CERTCTL_AGENT_OFFLINE_MULTIPLE of them without one. */
    CERTCTL_AGENT_HEARTBEAT_INTERVAL_MS: ms(MIN),
    CERTCTL_AGENT_OFFLINE_MULTIPLE: z.coerce.number().min(1).default(3),
    /** Stale-job timeouts. */
    CERTCTL_JOB_RUNNING_TIMEOUT_MS: ms(30 * MIN),
    CERTCTL_JOB_AWAITING_CSR_TIMEOUT_MS: ms(24 * 60 * MIN),
    CERTCTL_JOB_AWAITING_APPROVAL_TIMEOUT_MS: ms(7 * 24 * 60 * MIN),
    /** The daily digest of what needs attention (off by default; also needs `digest` in CERTCTL_SCHEDULER_LOOPS, which it is by default). */
    CERTCTL_DIGEST_ENABLED: z.stringbool().default(false),
    /** The day's digest is sent at the first check at or after this hour (UTC). */
    CERTCTL_DIGEST_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(8),
    /** How often the digest loop checks whether today's digest is due (tests: a second or two). */
    CERTCTL_DIGEST_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    /** Items listed per section (the counts are always complete). */
    CERTCTL_DIGEST_LIST_LIMIT: z.coerce.number().int().min(1).max(DIGEST_MAX_ITEMS).default(10),
  });
export type SchedulerConfig = z.output<typeof schedulerEnvSchema>;
export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');
