import { ReloadTracker, deployFiles, runStep, verifyEventually } from '../server-support';
import type { TargetConnector } from '../target';
import { type HaproxyConfig, haproxyConfigSchema, haproxyTestCommand } from './config';
import { combinedPem } from './pem';
import { reloadHaproxy } from './reload';

const reloads = new ReloadTracker();

/** HAProxy: one combined PEM (0600), `haproxy -c -f`, a master-worker reload. */
export const haproxyConnector: TargetConnector<HaproxyConfig> = {
  type: 'haproxy',
  configSchema: haproxyConfigSchema,
  async deploy(config, material, ctx) {
    reloads.deployed(config);
    return deployFiles([{ path: config.pem_path, content: combinedPem(material), mode: 0o600 }], ctx);
  },
  async validate(config) {
    await runStep('validate', haproxyTestCommand(config));
  },
  async reload(config, ctx) {
    if (!reloads.beforeReload(config)) return ctx.log.info('HAProxy never loaded the new PEM: no reload needed');
    await reloadHaproxy(config);
  },
  verify: (config, material) => verifyEventually(config.verify, material),
  rollback: (config, deployment) => reloads.restore(config, deployment),
};
