import { type DeployMaterial, type Deployment, type TargetConnector, type TargetContext, TargetError, type VerifyResult } from './target';

export interface DeploymentOutcome {
  ok: boolean;
  files: string[];
  verification: VerifyResult | null;
  /** When not ok: the step that failed and the server's own text. */
  error?: string;
  failedStep?: TargetError['step'];
  rolledBack: boolean;
}

/**
 * Drives one target through deploy → validate → reload → verify. Any failure after the files
 * moved restores the previous files and reloads again, so the server keeps serving the old
 * certificate; the outcome carries the server's own error text for the job.
 */
export async function runDeployment<C>(
  connector: TargetConnector<C>,
  rawConfig: unknown,
  material: DeployMaterial,
  ctx: TargetContext,
): Promise<DeploymentOutcome> {
  const parsed = connector.configSchema.safeParse(rawConfig);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`).join('; ');
    return {
      ok: false,
      files: [],
      verification: null,
      error: `invalid ${connector.type} target configuration: ${detail}`,
      failedStep: 'config',
      rolledBack: false,
    };
  }
  const config = parsed.data;
  let deployment: Deployment | undefined;
  let reloaded = false;
  try {
    deployment = await connector.deploy(config, material, ctx);
    await connector.validate(config, ctx);
    reloaded = true; // from here the server may have loaded the new files
    await connector.reload(config, ctx);
    const verification = await connector.verify(config, material, ctx);
    if (!verification.ok)
      throw Object.assign(new TargetError('verify', verification.error ?? 'the served certificate is not the deployed one'), {
        verification,
      });
    return { ok: true, files: deployment.files, verification, rolledBack: false };
  } catch (err) {
    const failure = err instanceof TargetError ? err : new TargetError('deploy', (err as Error).message);
    const verification = (err as { verification?: VerifyResult }).verification ?? null;
    const rolledBack = deployment ? await rollBack(connector, config, deployment, ctx, reloaded) : false;
    return { ok: false, files: deployment?.files ?? [], verification, error: failure.message, failedStep: failure.step, rolledBack };
  }
}

/**
 * Restores the previous files; reloads only when the server may have loaded the new ones (a
 * failed configuration test never reached the reload, and a reload would fail on the same test).
 */
async function rollBack<C>(
  connector: TargetConnector<C>,
  config: C,
  deployment: Deployment,
  ctx: TargetContext,
  reloaded: boolean,
): Promise<boolean> {
  try {
    await connector.rollback(config, deployment, ctx);
    if (reloaded) await connector.reload(config, ctx);
    ctx.log.warn('deployment rolled back to the previous files', { target: connector.type, files: deployment.files });
    return true;
  } catch (err) {
    ctx.log.warn('rollback failed', { target: connector.type, error: (err as Error).message });
    return false;
  }
}

export type { DeployMaterial };
