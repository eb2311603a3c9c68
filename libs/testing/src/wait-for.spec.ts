import { waitFor, within } from './wait-for';

describe('waitFor', () => {
  it('ok/returns the first value that is not undefined, null or false', async () => {
    const answers: unknown[] = [undefined, null, false, { id: 'x' }];
    await expect(waitFor(async () => answers.shift() as { id: string } | undefined, 1000, 'x', 1)).resolves.toEqual({ id: 'x' });
  });

  it('ok/a boolean check resolves once it is true', async () => {
    let calls = 0;
    await expect(waitFor(async () => ++calls >= 3, 1000, 'three calls', 1)).resolves.toBe(true);
    expect(calls).toBe(3);
  });

  it('ok/falsy values that are answers (0, empty string) end the wait', async () => {
    await expect(waitFor(async () => 0, 1000)).resolves.toBe(0);
    await expect(waitFor(async () => '', 1000)).resolves.toBe('');
  });

  it('fail/times out naming what it waited for', async () => {
    await expect(waitFor(async () => undefined, 30, 'the digest email', 5)).rejects.toThrow('timed out waiting for the digest email');
  });

  it('fail/a check that throws fails the wait at once', async () => {
    await expect(waitFor(async () => Promise.reject(new Error('the job failed')), 1000)).rejects.toThrow('the job failed');
  });
});

describe('within', () => {
  it('ok/answers the work when it settles first, and leaves no timer pending', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await expect(within(Promise.resolve(0), 60000, 'late')).resolves.toBe(0);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout')).toHaveLength(before);
  });

  it('ok/answers the fallback when the work has not settled in time', async () => {
    await expect(within(new Promise(() => undefined), 10, 'still running')).resolves.toBe('still running');
  });

  it('fail/a work that rejects first rejects, and its timer is cleared too', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await expect(within(Promise.reject(new Error('exited badly')), 60000, 'late')).rejects.toThrow('exited badly');
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout')).toHaveLength(before);
  });
});
