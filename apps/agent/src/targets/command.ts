import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell (arguments are never interpreted), with a timeout, and
 * returns its exit code and output: configuration tests and reloads report the server's
 * own words, which the job carries as its error.
 */
export function runCommand(
  file: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 30000, env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
        const text = error && !stderr && !stdout ? error.message : stderr;
        resolve({ code, stdout: String(stdout), stderr: String(text) });
      },
    );
  });
}

/** The output worth showing an operator: stderr, else stdout, trimmed to 4 KiB. */
export function outputOf(result: CommandResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).slice(-4096);
  return text;
}
