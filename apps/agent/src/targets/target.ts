import type { z } from 'zod';
import type { FileSetBackup } from './file-set';

/**
 * The one port every deployment target implements (NGINX, Apache httpd, HAProxy, Caddy,
 * Postfix, Dovecot, Java keystore, plain directory, SSH). The agent picks the connector by
 * the target's `type` and drives it through `runDeployment` (deploy-flow.ts):
 *
 *   deploy → validate (the server's own configuration test) → reload → verify (TLS handshake)
 *
 * and on any failure: rollback (the previous files) → reload again → the job fails with
 * the server's own error text.
 */

/** What one deployment installs: the leaf, its chain and the key generated on this host. */
export interface DeployMaterial {
  jobId: string;
  certificateId: string;
  versionId: string;
  /** The leaf certificate, PEM. */
  certificatePem: string;
  /** Intermediates (issuer first), PEM, possibly empty; never the root. */
  chainPem: string;
  /** The private key, PKCS#8 PEM; written 0600 and never sent anywhere. */
  privateKeyPem: string;
  /** SHA-256 of the leaf's DER, lowercase hex without separators. */
  fingerprintSha256: string;
}

export interface TargetLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface TargetContext {
  log: TargetLogger;
  /** A directory the agent owns for this target (journals, staging), 0700. */
  stateDir: string;
  signal?: AbortSignal;
}

/** What `deploy` did, enough for `rollback` to restore the previous state. */
export interface Deployment {
  /** The files written (absolute paths), for the job result. */
  files: string[];
  backup: FileSetBackup;
}

export interface VerifyResult {
  ok: boolean;
  /** SHA-256 of the leaf the server presented, lowercase hex (null when no handshake). */
  servedFingerprint: string | null;
  address: string;
  verifiedAt: string;
  error?: string;
  /** True when the target asks for no verification (then the job's verification is null). */
  skipped?: boolean;
}

/** A failure a target reports; `output` is the server's own text (e.g. `nginx -t` stderr). */
export class TargetError extends Error {
  constructor(
    readonly step: 'config' | 'deploy' | 'validate' | 'reload' | 'verify' | 'rollback',
    message: string,
    readonly output = '',
  ) {
    super(output ? `${message}: ${output.trim()}` : message);
    this.name = 'TargetError';
  }
}

export interface TargetConnector<C = unknown> {
  /** The target type as stored on the server (`nginx`, `apache`, `haproxy`, ...). */
  readonly type: string;
  /** Validates a target's configuration (zod), with messages an operator can act on. */
  readonly configSchema: z.ZodType<C>;
  /** Writes the files atomically beside the old ones, keeping the previous ones for rollback. */
  deploy(config: C, material: DeployMaterial, ctx: TargetContext): Promise<Deployment>;
  /** The server's own configuration test; throws TargetError('validate', ..., its output). */
  validate(config: C, ctx: TargetContext): Promise<void>;
  /** Makes the server load the new files; throws TargetError('reload', ...). */
  reload(config: C, ctx: TargetContext): Promise<void>;
  /** A TLS handshake to the target's address comparing the served leaf with the deployed one. */
  verify(config: C, material: DeployMaterial, ctx: TargetContext): Promise<VerifyResult>;
  /** Restores the previous files (the flow reloads afterwards). */
  rollback(config: C, deployment: Deployment, ctx: TargetContext): Promise<void>;
}
