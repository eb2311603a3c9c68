import { z } from 'zod';
import { outputOf, runCommand } from '../command';
import { absolutePath, deployCertificateAndKey, endpointSchema, restorePrevious, runStep } from '../connector-support';
import type { TargetConnector } from '../target';
import { verifyEndpoint } from '../tls-starttls';

/**
 * Postfix: the certificate and key files named by `smtpd_tls_cert_file`/`smtpd_tls_key_file`
 * (or `smtpd_tls_chain_files`), `postfix check` as the configuration test, `postfix reload`,
 * and a STARTTLS (or implicit-TLS) handshake as the verification. `config_dir` selects an
 * instance other than /etc/postfix (`postfix -c <dir>`).
 */
export const postfixConfigSchema = z.object({
  cert_path: absolutePath,
  key_path: absolutePath,
  /** The chain follows the leaf in cert_path (what smtpd_tls_cert_file expects). */
  chain_in_cert: z.boolean().default(true),
  config_dir: absolutePath.optional(),
  postfix_binary: z.string().min(1).default('/usr/sbin/postfix'),
  /** Prints the reason when `postfix check` fails (postfix itself logs to syslog only). */
  postconf_binary: z.string().min(1).default('/usr/sbin/postconf'),
  verify: endpointSchema.extend({ starttls: z.enum(['smtp']).nullable().default('smtp') }),
});
export type PostfixConfig = z.infer<typeof postfixConfigSchema>;

const instanceArgs = (config: PostfixConfig) => (config.config_dir ? ['-c', config.config_dir] : []);

/** `postconf -n` fails with the line and reason of a main.cf syntax error. */
async function postconfDiagnostics(config: PostfixConfig): Promise<string> {
  const result = await runCommand(config.postconf_binary, [...instanceArgs(config), '-n']);
  return result.code === 0 ? 'postfix logged the reason to syslog or its maillog_file' : outputOf(result);
}

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
