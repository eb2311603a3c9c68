// The stack tiers (integration, targets, e2e, faults, conformance) run without --forceExit: Jest
// ends when nothing is left open after the last test and the global teardown. Should something
// stay open (a client, server, browser, child process or timer a test did not close), Jest would
// wait for it forever and CI would sit until its hard limit. The global teardowns arm this
// watchdog last: an unref'd timer, so it keeps nothing alive itself and fires only when something
// else does; it then names what is still open and ends the process with code 1.
import { createHook } from 'node:async_hooks';
import { ChildProcess } from 'node:child_process';
import { Server as NetServer, Socket } from 'node:net';

/** How long a tier may stay alive after its global teardown (CERTCTL_TEST_EXIT_GRACE_MS, default 30 s). */
export function exitGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.CERTCTL_TEST_EXIT_GRACE_MS ?? 30000);
  return Number.isFinite(ms) && ms > 0 ? ms : 30000;
}

/** One line per handle that keeps this process alive (stdin, stdout and stderr left out). */
export function describeOpenHandles(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const own = new Set<unknown>([process.stdin, process.stdout, process.stderr]);
  const lines: string[] = [];
  for (const h of handles) {
    if (own.has(h)) continue;
    if (h && typeof (h as { hasRef?: () => boolean }).hasRef === 'function' && !(h as { hasRef(): boolean }).hasRef()) continue;
    lines.push(describeHandle(h));
  }
  // Timers that keep the loop alive (only their count is known here) and requests in flight
  // (DNS lookups, file system calls), which are no handles.
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
  if (timers) {
    const traced = [...(traceOf() ?? new Map<number, TracedTimer>()).values()].filter((t) => t.timer.hasRef());
    lines.push(
      `${timers} timer(s) not cleared nor unref'd` +
        (traced.length
          ? `, created at:\n${traced.map((t) => `      ${t.stack.split('\n').slice(2, 12).join('\n      ')}`).join('\n    --\n')}`
          : ` (CERTCTL_TEST_EXIT_TRACE=1 shows where they were created)`),
    );
  }
  const requests = (process as unknown as { _getActiveRequests(): unknown[] })._getActiveRequests();
  if (requests.length) lines.push(`${requests.length} request(s) in flight: ${requests.map((r) => constructorName(r)).join(', ')}`);
  return lines;
}

function describeHandle(h: unknown): string {
  if (h instanceof ChildProcess) return `child process ${h.pid} (${h.spawnargs.join(' ').slice(0, 200)})`;
  if (h instanceof NetServer) {
    const a = h.address();
    return `server listening on ${typeof a === 'string' ? a : a ? `${a.address}:${a.port}` : '(closed)'}`;
  }
  if (h instanceof Socket) {
    if (h.remotePort !== undefined) return `socket ${h.localAddress}:${h.localPort} → ${h.remoteAddress}:${h.remotePort}`;
    return 'socket (pipe or not connected)';
  }
  return constructorName(h);
}

const constructorName = (o: unknown): string => (o as { constructor?: { name?: string } })?.constructor?.name ?? typeof o;

interface TracedTimer {
  timer: { hasRef(): boolean };
  stack: string;
}
const TRACE = Symbol.for('certctl.exit-watchdog.timers');
const traceOf = () => (process as unknown as Record<symbol, Map<number, TracedTimer> | undefined>)[TRACE];

/**
 * With CERTCTL_TEST_EXIT_TRACE=1: from now on, remembers where each timer still pending was created,
 * for the watchdog's report (timers are no handles: nothing else can tell where one came from).
 * Once per process (the map lives on `process`, shared by every module registry of the run).
 */
export function traceTimers(env: NodeJS.ProcessEnv = process.env): void {
  if (env.CERTCTL_TEST_EXIT_TRACE !== '1' || traceOf()) return;
  const timers = new Map<number, TracedTimer>();
  (process as unknown as Record<symbol, Map<number, TracedTimer>>)[TRACE] = timers;
  createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout') timers.set(id, { timer: resource as TracedTimer['timer'], stack: new Error().stack ?? '' });
    },
    destroy(id) {
      timers.delete(id);
    },
  }).enable();
}

/**
 * After the tests and the global teardown of `tier`: if the process is still alive `graceMs`
 * later, prints what keeps it open and exits with code 1. The timer is unref'd: a process with
 * nothing else open exits at once, as if there were no watchdog.
 */
export function armExitWatchdog(tier: string, graceMs = exitGraceMs()): NodeJS.Timeout {
  const timer = setTimeout(() => {
    const open = describeOpenHandles();
    process.stderr.write(
      `\n[${tier}] Jest has not exited ${graceMs / 1000} s after the last test and the global teardown: ` +
        `something a test or a helper opened is still open:\n${open.map((l) => `  - ${l}`).join('\n') || '  (no handle visible from here)'}\n` +
        `Find who opened it: npx jest --selectProjects ${tier} --runInBand --detectOpenHandles --testPathPatterns <file>\n`,
    );
    process.exit(1);
  }, graceMs);
  timer.unref();
  return timer;
}
