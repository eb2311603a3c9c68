import type { FileSpec } from '../file-set';
import { ReloadTracker, certificateAndKeyFiles, deployFiles, runStep, verifyEventually } from '../server-support';
import type { DeployMaterial, TargetConnector } from '../target';
import { type ApacheConfig, apacheConfigSchema, apacheReloadCommand, apacheTestCommand } from './config';

const reloads = new ReloadTracker();

/** The files of one deployment: with chain_path the chain apart, else after the leaf. */
export function apacheFiles(config: ApacheConfig, material: DeployMaterial): FileSpec[] {
  const files = certificateAndKeyFiles(config.cert_path, config.key_path, !config.chain_path, material);
  if (config.chain_path) files.push({ path: config.chain_path, content: `${material.chainPem.trim()}\n`, mode: 0o644 });
  return files;
}

/** Apache httpd: certificate, key (and chain) files, `apache2 -t`, `apache2 -k graceful`. */
export const apacheConnector: TargetConnector<ApacheConfig> = {
  type: 'apache',
  configSchema: apacheConfigSchema,
  async deploy(config, material, ctx) {
    reloads.deployed(config);
    return deployFiles(apacheFiles(config, material), ctx);
  },
  async validate(config) {
    await runStep('validate', apacheTestCommand(config), config.env);
  },
  async reload(config, ctx) {
    if (!reloads.beforeReload(config)) return ctx.log.info('httpd never loaded the new files: no reload needed');
    await runStep('reload', apacheReloadCommand(config), config.env);
  },
  verify: (config, material) => verifyEventually(config.verify, material),
  rollback: (config, deployment) => reloads.restore(config, deployment),
};
