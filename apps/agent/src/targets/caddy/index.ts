import { ReloadTracker, certificateAndKeyFiles, deployFiles, runStep, verifyEventually } from '../server-support';
import type { TargetConnector } from '../target';
import { deployThroughAdminApi, loadDesired, rollBackAdminApi } from './admin-api';
import { type CaddyConfig, caddyConfigSchema, caddyReloadCommand, caddyTestCommand } from './config';

const reloads = new ReloadTracker();

/**
 * Caddy, two modes. `file`: certificate and key files, `caddy validate`, `caddy reload --force`.
 * `admin_api`: the certificate and key put into the running config through the admin API
 * (GET the config, POST /load with apps.tls.certificates.load_pem patched; rollback loads the
 * config read before). Caddy checks a loaded config itself, so admin_api has no separate test.
 */
export const caddyConnector: TargetConnector<CaddyConfig> = {
  type: 'caddy',
  configSchema: caddyConfigSchema,
  async deploy(config, material, ctx) {
    if (config.mode === 'admin_api') return deployThroughAdminApi(config, material);
    reloads.deployed(config);
    return deployFiles(certificateAndKeyFiles(config.cert_path, config.key_path, config.chain_in_cert, material), ctx);
  },
  async validate(config) {
    if (config.mode === 'file') await runStep('validate', caddyTestCommand(config), config.env);
  },
  async reload(config, ctx) {
    if (config.mode === 'admin_api') return loadDesired(config);
    if (!reloads.beforeReload(config)) return ctx.log.info('Caddy never loaded the new files: no reload needed');
    await runStep('reload', caddyReloadCommand(config), config.env);
  },
  verify: (config, material) => verifyEventually(config.verify, material),
  async rollback(config, deployment) {
    if (config.mode === 'admin_api') return rollBackAdminApi(config);
    await reloads.restore(config, deployment);
  },
};
