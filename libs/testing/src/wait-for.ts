/**
 * Polls `check` every `intervalMs` until it yields a value, and returns that value. "No value
 * yet" is `undefined`, `null` or `false`, so a check may return the thing it waits for
 * (`rows.find(...)`, `status === 'sent' ? body : undefined`) or a plain boolean. A check that
 * throws fails the wait at once; after `timeoutMs` the wait fails naming `what`.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30000,
  what = 'condition',
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * `work`'s value, or `fallback` when it has not settled within `ms`. The timer is cleared as soon
 * as `work` settles: a bare `Promise.race([work, sleep(ms)])` leaves it pending, which keeps the
 * test process alive after the last test (the stack tiers run without --forceExit).
 */
export async function within<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
