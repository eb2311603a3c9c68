import { type CaddyConfig, type CaddyFileConfig, type CaddyAdminConfig, caddyConfigSchema } from '@certctl/contracts';

/** The config schema lives in @certctl/contracts (the API validates targets with it too). */
export { type CaddyConfig, type CaddyFileConfig, type CaddyAdminConfig, caddyConfigSchema };

function caddyArgv(config: CaddyFileConfig, verb: string, extra: string[] = []): string[] {
  return [config.caddy_binary, verb, '--config', config.config_file, ...(config.adapter ? ['--adapter', config.adapter] : []), ...extra];
}

/** `caddy validate --config <file> [--adapter a]`: loads the config and the certificate files, runs nothing. */
export const caddyTestCommand = (config: CaddyFileConfig): string[] => config.test_command ?? caddyArgv(config, 'validate');

/** `caddy reload ... --force`: the config text did not change, only the files it names. */
export const caddyReloadCommand = (config: CaddyFileConfig): string[] => config.reload_command ?? caddyArgv(config, 'reload', ['--force']);
