import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient } from './client/api-client';
import { resolveApiKey } from './client/credentials';
import { CliError, ExitCode } from './client/errors';
import { type Transport, nodeTransport } from './client/transport';
import type { OutputFormat } from './output/format';
import { Output } from './output/output';

/** What the CLI touches outside itself: injected so unit tests run it without a server or a terminal. */
export interface CliDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (a progress bar) or not (plain lines). */
  errIsTty: boolean;
  /** Replaces the HTTP transport (unit tests). */
  transport?: Transport;
  /** Registers what Ctrl-C does during long waits; returns the unregistering function. */
  onInterrupt: (handler: () => void) => () => void;
}

export interface GlobalOptions {
  server?: string;
  apiKey?: string;
  apiKeyFile?: string;
  caBundle?: string;
  format: OutputFormat;
  quiet?: boolean;
  verbose?: boolean;
}

export interface CliContext {
  client: ApiClient;
  output: Output;
  deps: CliDeps;
  server: string;
}

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

function readCaBundle(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read --ca-bundle ${path}: ${(err as Error).message}`, ExitCode.usage);
  }
}

/** The client and output of one command, from the global options of the program. */
export function createContext(program: Command, deps: CliDeps): CliContext {
  const opts = program.opts<GlobalOptions>();
  const server = opts.server ?? deps.env.CERTCTL_SERVER_URL ?? DEFAULT_SERVER;
  try {
    new URL(server);
  } catch {
    throw new CliError(`--server ${server} is not a URL (expected e.g. ${DEFAULT_SERVER})`, ExitCode.usage);
  }
  const transport = deps.transport ?? nodeTransport({ ca: readCaBundle(opts.caBundle ?? deps.env.CERTCTL_CA_BUNDLE) });
  const client = new ApiClient({
    server,
    apiKey: resolveApiKey(opts, deps.env),
    transport,
    debug: opts.verbose ? (line) => deps.err(`${line}\n`) : undefined,
  });
  return { client, output: new Output(opts.format, Boolean(opts.quiet), { out: deps.out, err: deps.err }), deps, server };
}
