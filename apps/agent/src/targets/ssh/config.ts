import { type SshConfig, sshConfigSchema } from '@certctl/contracts';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type SshConfig, sshConfigSchema };

export const remotePath = (config: SshConfig, name: string) => `${config.remote_dir.replace(/\/+$/, '')}/${name}`;
