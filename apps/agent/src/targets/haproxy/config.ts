import { type HaproxyConfig, haproxyConfigSchema, haproxyReloadSchema } from '@certctl/contracts';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type HaproxyConfig, haproxyConfigSchema, haproxyReloadSchema };

/** `haproxy -c -f <config_file>`: HAProxy's own configuration check. */
export const haproxyTestCommand = (config: HaproxyConfig): string[] => [config.haproxy_binary, '-c', '-f', config.config_file];
