import { z } from 'zod';
import { absolutePath, endpointSchema } from './common';

export const dovecotConfigSchema = z.object({
  cert_path: absolutePath,
  key_path: absolutePath,
  /** The chain follows the leaf in cert_path (Dovecot sends what the file holds). */
  chain_in_cert: z.boolean().default(true),
  config_file: absolutePath.optional(),
  doveconf_binary: z.string().min(1).default('/usr/bin/doveconf'),
  doveadm_binary: z.string().min(1).default('/usr/bin/doveadm'),
  reload: z.enum(['doveadm', 'sighup']).default('doveadm'),
  verify: endpointSchema.extend({ starttls: z.enum(['imap']).nullable().default('imap') }),
});
export type DovecotConfig = z.infer<typeof dovecotConfigSchema>;
