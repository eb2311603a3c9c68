import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, normalize } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { getLogger } from '@certctl/observability';
import { createCsr, generateKeyPair, parseCertificate } from '@certctl/pki';
import { z } from 'zod';
import {
  type Connector,
  ConnectorError,
  type HealthResult,
  type IssueOutcome,
  type IssueRequest,
  type IssuerContext,
  type PollRequest,
  type RevokeRequest,
  isPending,
} from './connector';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { DEFAULT_PATH, argSchema, checkOutput } from './connector-support';
import { exitError, runScript } from './run-script';

export { EXIT_TEMPFAIL } from './run-script';
const RESERVED_ENV = new Set(['PATH', 'LANG', 'LC_ALL', 'HOME', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'NODE_OPTIONS']);

/** Why an executable path may not be used, or null: absolute, normalized, inside an allowed directory. */
function executableProblem(p: string, allowedDirs: readonly string[]): string | null {
  if (!isAbsolute(p)) return 'must be an absolute path';
  if (normalize(p) !== p || p.includes('\0')) return 'must be a normalized path (no ., .. or repeated slashes)';
  if (!allowedDirs.length) return 'script issuers are disabled: CERTCTL_SCRIPT_CONNECTOR_DIRS names no directory';
  if (!allowedDirs.some((d) => p.startsWith(d.endsWith('/') ? d : `${d}/`))) {
    return `must be inside one of the directories of CERTCTL_SCRIPT_CONNECTOR_DIRS (${allowedDirs.join(', ')})`;
  }
  return null;
}

/** The config schema; `allowedDirs` (CERTCTL_SCRIPT_CONNECTOR_DIRS) are where executables may live. */
export const scriptConfigSchema = (allowedDirs: readonly string[]) =>
  z.strictObject({
    executable: z
      .string()
      .min(2)
      .max(4096)
      .superRefine((p, ctx) => {
        const problem = executableProblem(p, allowedDirs);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    args: z.array(argSchema).max(64).default([]).describe('Fixed arguments for issue and renew'),
    revoke_args: z
      .array(argSchema)
      .max(64)
      .optional()
      .describe('When set, a revocation runs the executable with these arguments, "<serial> <reason>" on stdin'),
    env: z
      .record(
        z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must be an upper-case environment variable name')
          .refine((k) => !RESERVED_ENV.has(k) && !k.startsWith('CERTCTL_') && !k.startsWith('LD_'), 'is reserved'),
        argSchema,
      )
      .default({})
      .describe('Extra environment (e.g. a CA API token); secret: masked in answers'),
    timeout_ms: z.number().int().min(100).max(120000).default(30000),
    max_output_bytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    dry_run_on_test: z.boolean().default(false).describe('POST /issuers/{id}/test also issues a throwaway certificate through the script'),
  });
export type ScriptConfig = z.output<ReturnType<typeof scriptConfigSchema>>;

type Operation = 'issue' | 'renew' | 'revoke' | 'test' | 'poll';

/** An asynchronous CA's answer on stdout: `PENDING <order-id> [detail]` as its first line. */
const PENDING_LINE = /^PENDING[ \t]+(\S+)(?:[ \t]+(.*))?$/;

/** The leaf (PEM output, checked), or the order a `PENDING` line names. */
async function outcomeOf(stdout: string, request: Pick<IssueRequest, 'publicKey' | 'sans' | 'commonName'>): Promise<IssueOutcome> {
  const first = stdout.trimStart().split('\n', 1)[0]!.trim();
  const pending = PENDING_LINE.exec(first);
  if (!pending) return checkOutput(stdout, request);
  const orderId = pending[1]!;
  if (orderId.length > 256 || !/^[\x21-\x7e]+$/.test(orderId)) {
    throw ConnectorError.terminal('the script answered PENDING with an order id that is not 1-256 printable ASCII characters');
  }
  return { pending: true, orderId, ...(pending[2] ? { detail: pending[2].slice(0, 300) } : {}) };
}

/**
 * Runs an operator-configured executable as a CA: the CSR PEM on stdin, the leaf PEM (then
 * any chain) on stdout. Request data travels only on stdin; arguments and environment come
 * from the issuer's config. Contract and limits: docs/connectors.md.
 */
@Injectable()
export class ScriptConnector implements Connector<ScriptConfig> {
  readonly type = 'script' as const;
  readonly configSchema: ReturnType<typeof scriptConfigSchema>;
  readonly secretFields: readonly string[] = ['env'];

  constructor(@Inject(ISSUANCE_CONFIG) config: Pick<IssuanceConfig, 'CERTCTL_SCRIPT_CONNECTOR_DIRS'>) {
    // Checked at creation and again whenever a stored config is used: taking a directory off
    // the list stops its scripts from running.
    this.configSchema = scriptConfigSchema(config.CERTCTL_SCRIPT_CONNECTOR_DIRS);
  }

  async issue(issuer: IssuerContext<ScriptConfig>, r: IssueRequest, operation: Operation = 'issue'): Promise<IssueOutcome> {
    const out = await this.run(issuer, operation, issuer.config.args, await r.csrPem());
    return outcomeOf(out, r);
  }

  renew(issuer: IssuerContext<ScriptConfig>, r: IssueRequest): Promise<IssueOutcome> {
    return this.issue(issuer, r, 'renew');
  }

  /** An order the script answered PENDING for: the same executable and args, CERTCTL_OPERATION=poll, the order id on stdin. */
  async poll(issuer: IssuerContext<ScriptConfig>, r: PollRequest): Promise<IssueOutcome> {
    const out = await this.run(issuer, 'poll', issuer.config.args, `${r.orderId}\n`);
    return outcomeOf(out, r);
  }

  async revoke(issuer: IssuerContext<ScriptConfig>, r: RevokeRequest): Promise<void> {
    if (!issuer.config.revoke_args) {
      getLogger().info(
        { issuer_id: issuer.id, serial: r.serialNumber },
        'script issuer has no revoke_args; revocation recorded by the platform only',
      );
      return;
    }
    await this.run(issuer, 'revoke', issuer.config.revoke_args, `${r.serialNumber} ${r.reason}\n`);
  }

  async healthCheck(issuer: IssuerContext<ScriptConfig>): Promise<HealthResult> {
    const exe = issuer.config.executable;
    try {
      const s = await stat(exe);
      if (!s.isFile()) return { ok: false, detail: `${exe} is not a regular file` };
      await access(exe, constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { ok: false, detail: code === 'EACCES' ? `${exe} is not executable` : `${exe}: ${code ?? (err as Error).message}` };
    }
    if (!issuer.config.dry_run_on_test) return { ok: true, detail: `${exe} exists and is executable` };
    try {
      const keys = await generateKeyPair('ECDSA-P256');
      const commonName = 'certctl-connector-test.invalid';
      const csr = await createCsr({ keys, commonName, sans: [commonName] });
      const leaf = await this.issue(
        issuer,
        {
          jobId: 'connector-test',
          csrPem: () => Promise.resolve(csr),
          publicKey: keys.publicKey,
          commonName,
          sans: [commonName],
          validityDays: 1,
          ekus: ['serverAuth'],
          profileId: null,
        },
        'test',
      );
      if (isPending(leaf)) return { ok: true, detail: `${exe} accepted a test request as pending order ${leaf.orderId}` };
      const info = await parseCertificate(leaf.certificatePem);
      return { ok: true, detail: `${exe} issued a test certificate (serial ${info.serialNumber}, issuer ${info.issuer})` };
    } catch (err) {
      return { ok: false, detail: `dry run failed: ${(err as Error).message}` };
    }
  }

  /** Runs the script; a non-zero exit is an error naming the first line of stderr (retryable only for EX_TEMPFAIL). */
  private async run(issuer: IssuerContext<ScriptConfig>, operation: Operation, args: readonly string[], stdin: string) {
    const c = issuer.config;
    const out = await runScript({
      executable: c.executable,
      args,
      env: { ...c.env, PATH: DEFAULT_PATH, LANG: 'C', CERTCTL_OPERATION: operation, CERTCTL_ISSUER_ID: issuer.id },
      stdin,
      timeoutMs: c.timeout_ms,
      maxOutputBytes: c.max_output_bytes,
    });
    if (out.code === 0) return out.stdout;
    throw exitError(out, 'the script');
  }
}
