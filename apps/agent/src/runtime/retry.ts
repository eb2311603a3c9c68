import { agentLog } from '../log';
import { backoffDelay, sleep } from './backoff';
import { isTransient, stopFor } from './stop';

/**
 * Calls `fn` until it succeeds while the failure is transient (server down, 5xx), waiting with
 * exponential backoff and full jitter (cap 5 min). A stop (410/401/403) or a permanent error is thrown.
 */
export async function retrying<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal, baseMs = 1000): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (stopFor(err) || !isTransient(err) || signal?.aborted) throw err;
      const wait = backoffDelay(attempt, baseMs);
      agentLog.warn({ attempt, retry_in_ms: wait, error: (err as Error).message }, `${what} failed; retrying`);
      await sleep(wait, signal);
    }
  }
}
