import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from './errors';

export interface CredentialOptions {
  apiKey?: string;
  apiKeyFile?: string;
}

/**
 * The API key: --api-key-file, then --api-key (visible in `ps`: docs/cli.md recommends the file
 * or the environment), then CERTCTL_API_KEY. Undefined when none is given (the gateway answers 401).
 */
export function resolveApiKey(opts: CredentialOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (opts.apiKeyFile) {
    let content: string;
    try {
      content = readFileSync(opts.apiKeyFile, 'utf8');
    } catch (err) {
      throw new CliError(`Cannot read --api-key-file ${opts.apiKeyFile}: ${(err as Error).message}`, ExitCode.usage);
    }
    const key = content.trim();
    if (!key) throw new CliError(`--api-key-file ${opts.apiKeyFile} is empty`, ExitCode.usage);
    return key;
  }
  return opts.apiKey?.trim() || env.CERTCTL_API_KEY?.trim() || undefined;
}

/** A key as debug output may show it: its first characters only. */
export function maskKey(key: string | undefined): string {
  if (!key) return '(none)';
  return `${key.slice(0, Math.min(6, Math.floor(key.length / 4)))}…(${key.length} chars)`;
}
