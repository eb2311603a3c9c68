import { type ApacheConfig, apacheConfigSchema } from '@certctl/contracts';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type ApacheConfig, apacheConfigSchema };

function apacheArgv(config: ApacheConfig, action: string[]): string[] {
  return [
    config.apache_binary,
    ...(config.server_root ? ['-d', config.server_root] : []),
    ...(config.config_file ? ['-f', config.config_file] : []),
    ...action,
  ];
}

/** `apache2 [-d server_root] [-f config_file] -t`: httpd's own configuration test. */
export const apacheTestCommand = (config: ApacheConfig): string[] => config.test_command ?? apacheArgv(config, ['-t']);

/** `... -k graceful`: children finish their requests, listeners stay open. */
export const apacheReloadCommand = (config: ApacheConfig): string[] => config.reload_command ?? apacheArgv(config, ['-k', 'graceful']);
