import { type DovecotConfig, dovecotConfigSchema } from '@certctl/contracts';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type DovecotConfig, dovecotConfigSchema };

export const configArgs = (config: DovecotConfig) => (config.config_file ? ['-c', config.config_file] : []);
