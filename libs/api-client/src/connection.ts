import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { ApiClient } from './api-client';
import { resolveApiKey } from './credentials';
import { CliError, ExitCode } from './errors';
import { type Transport, nodeTransport } from './transport';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** The connection options every client of the API takes (flags, with CERTCTL_* environment fallbacks). */
export interface ConnectionOptions {
  server?: string;
  apiKey?: string;
  apiKeyFile?: string;
  caBundle?: string;
}

function readCaBundle(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read --ca-bundle ${path}: ${(err as Error).message}`, ExitCode.usage);
  }
}

/**
 * The API client for `opts`: --server (CERTCTL_SERVER_URL), the key (--api-key-file, --api-key,
 * CERTCTL_API_KEY) and --ca-bundle (CERTCTL_CA_BUNDLE); a bad URL or unreadable file is a usage error.
 */
export function connect(
  opts: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  extra: { transport?: Transport; debug?: (line: string) => void } = {},
): { client: ApiClient; server: string } {
  const server = opts.server ?? env.CERTCTL_SERVER_URL ?? DEFAULT_SERVER;
  try {
    new URL(server);
  } catch {
    throw new CliError(`--server ${server} is not a URL (expected e.g. ${DEFAULT_SERVER})`, ExitCode.usage);
  }
  const transport = extra.transport ?? nodeTransport({ ca: readCaBundle(opts.caBundle ?? env.CERTCTL_CA_BUNDLE) });
  return { client: new ApiClient({ server, apiKey: resolveApiKey(opts, env), transport, debug: extra.debug }), server };
}

/** The connection options on a commander program: --server, --api-key, --api-key-file, --ca-bundle. */
export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--server <url>', `gateway URL (env CERTCTL_SERVER_URL, default ${DEFAULT_SERVER})`))
    .addOption(new Option('--api-key <key>', 'API key (visible in process listings: prefer CERTCTL_API_KEY or --api-key-file)'))
    .addOption(new Option('--api-key-file <path>', 'file holding the API key'))
    .addOption(new Option('--ca-bundle <path>', 'PEM CA bundle trusted for an https --server (env CERTCTL_CA_BUNDLE)'));
}
