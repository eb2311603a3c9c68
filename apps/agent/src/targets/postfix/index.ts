import { type PostfixConfig, postfixConfigSchema } from '@certctl/contracts';
import { outputOf, runCommand } from '../command';
import { deployCertificateAndKey, restorePrevious, runStep } from '../connector-support';
import type { TargetConnector } from '../target';
import { verifyEndpoint } from '../tls-starttls';

export { type PostfixConfig, postfixConfigSchema };

const instanceArgs = (config: PostfixConfig) => (config.config_dir ? ['-c', config.config_dir] : []);

/** `postconf -n` fails with the line and reason of a main.cf syntax error. */
async function postconfDiagnostics(config: PostfixConfig): Promise<string> {
  const result = await runCommand(config.postconf_binary, [...instanceArgs(config), '-n']);
  return result.code === 0 ? 'postfix logged the reason to syslog or its maillog_file' : outputOf(result);
}

/**
 * Postfix: the certificate and key files named by `smtpd_tls_cert_file`/`smtpd_tls_key_file`
 * (or `smtpd_tls_chain_files`), `postfix check` as the configuration test, `postfix reload`,
 * and a STARTTLS (or implicit-TLS) handshake as the verification. `config_dir` selects an
 * instance other than /etc/postfix (`postfix -c <dir>`).
 */
export const postfixConnector: TargetConnector<PostfixConfig> = {
  type: 'postfix',
  configSchema: postfixConfigSchema,
  deploy: deployCertificateAndKey,
  validate: async (config) => {
    await runStep('validate', 'postfix check', config.postfix_binary, [...instanceArgs(config), 'check'], {
      explain: () => postconfDiagnostics(config),
    });
  },
  reload: async (config) => {
    await runStep('reload', 'postfix reload', config.postfix_binary, [...instanceArgs(config), 'reload'], {
      explain: () => postconfDiagnostics(config),
    });
  },
  verify: (config, material) => verifyEndpoint(config.verify, material.fingerprintSha256),
  rollback: restorePrevious,
};
