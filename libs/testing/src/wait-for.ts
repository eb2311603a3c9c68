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
