import { type NginxConfig, nginxConfigSchema } from '@certctl/contracts';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type NginxConfig, nginxConfigSchema };

function nginxArgv(config: NginxConfig, action: string[]): string[] {
  return [
    config.nginx_binary,
    ...(config.prefix ? ['-p', config.prefix] : []),
    ...(config.config_file ? ['-c', config.config_file] : []),
    ...action,
  ];
}

/** `nginx [-p prefix] [-c config_file] -t`, unless the target names its own command. */
export const nginxTestCommand = (config: NginxConfig): string[] => config.test_command ?? nginxArgv(config, ['-t']);

/** `nginx [-p prefix] [-c config_file] -s reload` (a graceful reload: old workers finish their connections). */
export const nginxReloadCommand = (config: NginxConfig): string[] => config.reload_command ?? nginxArgv(config, ['-s', 'reload']);
