import type { VerifyConfig } from '@certctl/contracts';
import { outputOf, runCommand } from './command';
import { type FileSpec, writeFileSet } from './file-set';
import { type DeployMaterial, type Deployment, type TargetContext, TargetError, type VerifyResult } from './target';
import { verifyServed } from './tls-probe';

/**
 * What the web server connectors (NGINX, Apache httpd, HAProxy, Caddy) share (their config
 * fields are in @certctl/contracts): running the server's own test/reload commands, the
 * verification handshake with a grace period for workers that are still starting, the file set.
 */

/** Runs one server command; a non-zero exit throws TargetError(step) carrying the server's own output. */
export async function runStep(step: 'validate' | 'reload', argv: string[], env?: Record<string, string>): Promise<string> {
  const [program, ...args] = argv;
  const result = await runCommand(program, args, { env: env ? { ...process.env, ...env } : undefined });
  if (result.code !== 0) throw new TargetError(step, `${argv.join(' ')} exited with ${result.code}`, outputOf(result));
  return outputOf(result);
}

/** The leaf followed by its chain, each ending with a newline (what `ssl_certificate` expects). */
export function leafWithChain(material: DeployMaterial): string {
  return (
    [material.certificatePem, material.chainPem]
      .map((pem) => pem.trim())
      .filter(Boolean)
      .join('\n') + '\n'
  );
}

/** The certificate file (the leaf, with its chain after it when `chainInCert`) and the key file (0600). */
export function certificateAndKeyFiles(certPath: string, keyPath: string, chainInCert: boolean, material: DeployMaterial): FileSpec[] {
  return [
    { path: certPath, content: chainInCert ? leafWithChain(material) : `${material.certificatePem.trim()}\n`, mode: 0o644 },
    { path: keyPath, content: material.privateKeyPem, mode: 0o600 },
  ];
}

/** Writes `files` as one set and answers the Deployment that rolls them back. */
export async function deployFiles(files: FileSpec[], ctx: TargetContext): Promise<Deployment> {
  const backup = await writeFileSet(ctx.stateDir, files);
  ctx.log.info('certificate files installed', { files: files.map((file) => file.path) });
  return { files: files.map((file) => file.path), backup };
}

/**
 * Handshakes until the server presents the deployed leaf or the grace period ends: a reload
 * is asynchronous in every one of these servers (new workers start after the signal returns).
 */
export async function verifyEventually(verify: VerifyConfig, material: DeployMaterial): Promise<VerifyResult> {
  const deadline = Date.now() + verify.timeout_ms;
  const probe = { host: verify.host, port: verify.port, servername: verify.servername };
  for (;;) {
    const result = await verifyServed(probe, material.fingerprintSha256);
    if (result.ok || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Tracks, per target configuration, whether the server loaded the files of the deployment in
 * progress. When the flow rolls back before any reload (the configuration test failed), the
 * server still runs the previous files, so the reload that follows the rollback is skipped:
 * a server whose own configuration is broken would refuse it, and it has nothing to load.
 */
export class ReloadTracker {
  private readonly loaded = new WeakSet<object>();
  private readonly unchanged = new WeakSet<object>();

  deployed(config: object): void {
    this.loaded.delete(config);
    this.unchanged.delete(config);
  }

  /** True when the reload is needed; records that the server now runs the new files. */
  beforeReload(config: object): boolean {
    if (this.unchanged.has(config)) {
      this.unchanged.delete(config);
      return false;
    }
    this.loaded.add(config);
    return true;
  }

  rolledBack(config: object): void {
    if (!this.loaded.has(config)) this.unchanged.add(config);
    this.loaded.delete(config);
  }

  /** The connectors' rollback: the previous files back, then the reload decision above. */
  async restore(config: object, deployment: Deployment): Promise<void> {
    await deployment.backup.restore();
    this.rolledBack(config);
  }
}
