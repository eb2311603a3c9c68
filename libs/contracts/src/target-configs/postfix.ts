import { z } from 'zod';
import { absolutePath, endpointSchema } from './common';

/**
 * Postfix: the certificate and key files named by `smtpd_tls_cert_file`/`smtpd_tls_key_file`
 * (or `smtpd_tls_chain_files`); `config_dir` selects an instance other than /etc/postfix.
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
