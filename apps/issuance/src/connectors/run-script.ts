import { spawn } from 'node:child_process';
import { ConnectorError } from './connector';

export interface ScriptRun {
  /** Absolute path of the executable; run directly, never through a shell. */
  executable: string;
  /** Fixed arguments from the issuer's config; never built from request data. */
  args: readonly string[];
  /** The child's whole environment. */
  env: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  stdin: string;
  timeoutMs: number;
  /** Limit for stdout and for stderr, each. */
  maxOutputBytes: number;
}

export interface ScriptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an operator-configured executable in its own process group. Rejects with a
 * ConnectorError when it cannot start (terminal), runs past its timeout (retryable; the whole
 * process group is killed) or writes more than maxOutputBytes to stdout or stderr (terminal;
 * killed). Otherwise resolves with its exit status and output, whatever the exit code.
 */
export function runScript(run: ScriptRun): Promise<ScriptExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.executable, [...run.args], {
      shell: false,
      detached: true, // its own process group, so a timeout kills everything it started
      stdio: ['pipe', 'pipe', 'pipe'],
      env: run.env,
      cwd: '/',
    });
    let failure: ConnectorError | null = null;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    };
    const fail = (err: ConnectorError) => {
      failure ??= err;
      killGroup();
    };
    const timer = setTimeout(
      () => fail(ConnectorError.retryable(`the script ran longer than ${run.timeoutMs} ms and was killed`)),
      run.timeoutMs,
    );
    const collect = (stream: 'stdout' | 'stderr') => {
      const chunks: Buffer[] = [];
      let size = 0;
      child[stream].on('data', (b: Buffer) => {
        size += b.length;
        if (size > run.maxOutputBytes) fail(ConnectorError.terminal(`the script wrote more than ${run.maxOutputBytes} bytes to ${stream}`));
        else chunks.push(b);
      });
      return () => Buffer.concat(chunks).toString('utf8');
    };
    const stdout = collect('stdout');
    const stderr = collect('stderr');
    child.stdin.on('error', () => undefined); // EPIPE when the script does not read its stdin
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // a running child's errors end in 'close'
      clearTimeout(timer);
      reject(ConnectorError.terminal(`cannot run ${run.executable}: ${err.code ?? err.message}`, err));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup(); // anything it left running in its group
      if (failure) reject(failure);
      else resolve({ code, signal, stdout: stdout(), stderr: stderr() });
    });
    if (child.pid !== undefined) child.stdin.end(run.stdin);
  });
}

/** EX_TEMPFAIL (sysexits.h): the only exit code that means "try again later". */
export const EXIT_TEMPFAIL = 75;

/** A non-zero exit as an error naming the first line of stderr (retryable only for EX_TEMPFAIL). */
export function exitError(out: ScriptExit, what: string): ConnectorError {
  const firstLine = out.stderr.trim().split('\n')[0]?.trim().slice(0, 300) || '(no stderr)';
  const how = out.code === null ? `was killed by ${out.signal ?? 'a signal'}` : `exited with ${out.code}`;
  return new ConnectorError(`${what} ${how}: ${firstLine}`, { retryable: out.code === EXIT_TEMPFAIL });
}
