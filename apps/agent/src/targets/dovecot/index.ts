import { deployCertificateAndKey, restorePrevious, runStep } from '../connector-support';
import type { TargetConnector } from '../target';
import { verifyEndpoint } from '../tls-starttls';
import { configArgs, type DovecotConfig, dovecotConfigSchema } from './config';
import { signalMaster } from './master-signal';

/**
 * Dovecot: the files named by `ssl_cert = <...` and `ssl_key = <...`, `doveconf -n` as the
 * configuration test, `doveadm reload` (or SIGHUP to the master process named by
 * `<base_dir>/master.pid`), and an IMAP STARTTLS (or implicit-TLS) handshake as the verification.
 */
export const dovecotConnector: TargetConnector<DovecotConfig> = {
  type: 'dovecot',
  configSchema: dovecotConfigSchema,
  deploy: deployCertificateAndKey,
  validate: async (config) => {
    await runStep('validate', 'doveconf -n', config.doveconf_binary, [...configArgs(config), '-n']);
  },
  reload: async (config) => {
    if (config.reload === 'sighup') await signalMaster(config);
    else await runStep('reload', 'doveadm reload', config.doveadm_binary, [...configArgs(config), 'reload']);
  },
  verify: (config, material) => verifyEndpoint(config.verify, material.fingerprintSha256),
  rollback: restorePrevious,
};
