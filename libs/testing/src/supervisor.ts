// The supervisor of `npm start`: a service that dies is started again with backoff, and one
// that keeps crashing is given up on loudly instead of being restarted forever. The restarted
// service resumes the work it held (jobs are leased and redelivered: docs/reliability.md).

/** How restarts are paced. */
export interface RestartPolicy {
  /** First delay before a restart; doubled for each crash inside the window. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** More crashes than this within `windowMs` and the service is left down. */
  maxCrashes: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 30000, maxCrashes: 5, windowMs: 60000 };

export type RestartDecision =
  { action: 'restart'; delayMs: number; crashesInWindow: number } | { action: 'give-up'; crashesInWindow: number };

/**
 * What to do after a crash at `now`, given the earlier crash times of the same service
 * (`history`, oldest first, the new crash not included).
 */
export function restartDecision(history: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): RestartDecision {
  const crashesInWindow = history.filter((t) => now - t < policy.windowMs).length + 1;
  if (crashesInWindow > policy.maxCrashes) return { action: 'give-up', crashesInWindow };
  const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (crashesInWindow - 1));
  return { action: 'restart', delayMs, crashesInWindow };
}

/** One supervised process: enough of ChildProcess for the supervisor. */
export interface SupervisedProcess {
  pid?: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SupervisorEvents<Name extends string> {
  crashed?(name: Name, exit: { code: number | null; signal: NodeJS.Signals | null }, decision: RestartDecision): void;
  restarted?(name: Name, child: SupervisedProcess): void;
  gaveUp?(name: Name, crashes: number): void;
}

/**
 * Watches `children` (the record is updated in place with each new process, so whoever stops
 * the stack stops the current ones) and starts a dead one again with `start(name)`.
 * `stop()` ends the supervision; processes that exit after it are not restarted.
 */
export function supervise<Name extends string>(
  children: Record<Name, SupervisedProcess>,
  start: (name: Name) => SupervisedProcess,
  events: SupervisorEvents<Name> = {},
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
  clock: () => number = Date.now,
): { stop(): void } {
  let stopped = false;
  const crashes = new Map<Name, number[]>();
  const timers = new Set<NodeJS.Timeout>();
  const watch = (name: Name, child: SupervisedProcess) => {
    void child.exited.then((exit) => {
      if (stopped || children[name] !== child) return;
      const now = clock();
      const history = crashes.get(name) ?? [];
      const decision = restartDecision(history, now, policy);
      crashes.set(name, [...history.filter((t) => now - t < policy.windowMs), now]);
      events.crashed?.(name, exit, decision);
      if (decision.action === 'give-up') {
        events.gaveUp?.(name, decision.crashesInWindow);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (stopped) return;
        const next = start(name);
        children[name] = next;
        events.restarted?.(name, next);
        watch(name, next);
      }, decision.delayMs);
      timers.add(timer);
    });
  };
  for (const name of Object.keys(children) as Name[]) watch(name, children[name]);
  return {
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
