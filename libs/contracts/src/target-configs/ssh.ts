import { z } from 'zod';
import { absolutePath, endpointSchema, tcpPort } from './common';

/** Names written into sftp batch files: no spaces, quotes or newlines to escape. */
const safeRemoteDir = z.string().regex(/^\/[A-Za-z0-9._@+/-]*$/, 'an absolute path of letters, digits and . _ @ + - /');
const safeFileName = z.string().regex(/^[A-Za-z0-9._@+-]{1,128}$/, 'a file name of letters, digits and . _ @ + -');

export const sshConfigSchema = z.object({
  host: z.string().regex(/^[A-Za-z0-9.:-]+$/, 'a host name or address'),
  port: tcpPort.default(22),
  user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, 'a user name'),
  identity_file: absolutePath,
  /** Strict host key checking: the remote host's key must be in this file. */
  known_hosts_file: absolutePath,
  remote_dir: safeRemoteDir,
  cert_file: safeFileName.default('cert.pem'),
  key_file: safeFileName.default('key.pem'),
  /** When set, the chain goes here and cert_file holds the leaf alone; else cert_file holds leaf + chain. */
  chain_file: safeFileName.optional(),
  /** Remote shell command testing the server's configuration (e.g. `nginx -t`). */
  test_command: z.string().min(1).optional(),
  /** Remote shell command making the server load the new files (e.g. `systemctl reload nginx`). */
  reload_command: z.string().min(1),
  verify: endpointSchema.extend({ starttls: z.enum(['smtp', 'imap']).nullable().default(null) }).optional(),
  ssh_binary: z.string().min(1).default('ssh'),
  sftp_binary: z.string().min(1).default('sftp'),
  connect_timeout_seconds: z.number().int().min(1).max(300).default(15),
});
export type SshConfig = z.infer<typeof sshConfigSchema>;
