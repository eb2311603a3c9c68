import type { Command } from 'commander';
import { type ApiClient, type ConnectionOptions, type Transport, connect } from '@certctl/api-client';
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

export interface GlobalOptions extends ConnectionOptions {
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

/** The client and output of one command, from the global options of the program. */
export function createContext(program: Command, deps: CliDeps): CliContext {
  const opts = program.opts<GlobalOptions>();
  const { client, server } = connect(opts, deps.env, {
    transport: deps.transport,
    debug: opts.verbose ? (line) => deps.err(`${line}\n`) : undefined,
  });
  return { client, output: new Output(opts.format, Boolean(opts.quiet), { out: deps.out, err: deps.err }), deps, server };
}
