import { ReloadTracker, certificateAndKeyFiles, deployFiles, runStep, verifyEventually } from '../server-support';
import type { TargetConnector } from '../target';
import { type NginxConfig, nginxConfigSchema, nginxReloadCommand, nginxTestCommand } from './config';

const reloads = new ReloadTracker();

/** NGINX: the certificate (leaf + chain by default) and key files, `nginx -t`, `nginx -s reload`. */
export const nginxConnector: TargetConnector<NginxConfig> = {
  type: 'nginx',
  configSchema: nginxConfigSchema,
  async deploy(config, material, ctx) {
    reloads.deployed(config);
    return deployFiles(certificateAndKeyFiles(config.cert_path, config.key_path, config.chain_in_cert, material), ctx);
  },
  async validate(config) {
    await runStep('validate', nginxTestCommand(config));
  },
  async reload(config, ctx) {
    if (!reloads.beforeReload(config)) return ctx.log.info('nginx never loaded the new files: no reload needed');
    await runStep('reload', nginxReloadCommand(config));
  },
  verify: (config, material) => verifyEventually(config.verify, material),
  rollback: (config, deployment) => reloads.restore(config, deployment),
};
