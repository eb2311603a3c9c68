import { Command, CommanderError, Option } from 'commander';
import { CliError, ExitCode, addConnectionOptions } from '@certctl/api-client';
import { registerAcme } from './commands/acme';
import { registerAgents } from './commands/agents';
import { registerAudit } from './commands/audit';
import { registerCerts } from './commands/certs';
import { registerCertsBulk } from './commands/certs-bulk';
import { registerCertsImport } from './commands/certs-import';
import { registerCompletion } from './commands/completion';
import { registerCapacity, registerFleet } from './commands/fleet';
import { registerDiscovered } from './commands/discovered';
import { registerIssuers } from './commands/issuers';
import { registerJobs } from './commands/jobs';
import { registerKeys } from './commands/keys';
import { registerNotifications } from './commands/notifications';
import { registerStatus } from './commands/status';
import { type CliContext, type CliDeps, createContext } from './context';
import { OUTPUT_FORMATS } from './output/format';

export const CLI_VERSION = '0.1.0';

/** The `certctl` command tree, writing through `deps`. */
export function buildProgram(deps: CliDeps): Command {
  const program = addConnectionOptions(new Command('certctl').description('Command-line client of the certctl REST API (docs/cli.md)'))
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('-q, --quiet', 'no notes or progress on stderr')
    .option('-v, --verbose', 'each request on stderr (the API key masked)')
    .showSuggestionAfterError(true);
  let context: CliContext | undefined;
  const ctx = () => (context ??= createContext(program, deps));
  registerCerts(program, ctx);
  registerCertsBulk(program, ctx);
  registerCertsImport(program, ctx);
  registerJobs(program, ctx);
  registerIssuers(program, ctx);
  registerAgents(program, ctx);
  registerNotifications(program, ctx);
  registerKeys(program, ctx);
  registerAcme(program, ctx);
  registerAudit(program, ctx);
  registerFleet(program, ctx);
  registerCapacity(program, ctx);
  registerDiscovered(program, ctx);
  registerStatus(program, ctx, CLI_VERSION);
  registerCompletion(program, deps);
  configureErrors(program, deps);
  return program;
}

/** Every command throws on usage errors (exit 2, one line) instead of exiting the process. */
function configureErrors(command: Command, deps: CliDeps): void {
  command.exitOverride().configureOutput({
    writeOut: deps.out,
    writeErr: deps.err,
    outputError: () => undefined, // usage errors are reported once, as one line, by run()
  });
  for (const sub of command.commands) configureErrors(sub, deps);
}

/** Runs `certctl` with `argv` (without node and script); resolves to the exit status. */
export async function run(argv: string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
      if (err.code === 'commander.help') return ExitCode.usage;
      deps.err(`${err.message.replace(/\n+/g, ' ').trim()}\n`);
      return ExitCode.usage;
    }
    if (err instanceof CliError) {
      deps.err(`${err.message}\n`);
      return err.exitCode;
    }
    deps.err(`error: ${(err as Error).message ?? String(err)}\n`);
    return ExitCode.failure;
  }
}
