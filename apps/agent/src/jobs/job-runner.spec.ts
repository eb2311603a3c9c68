import { JobRunner } from './job-runner';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('JobRunner', () => {
  it('runs at most `limit` jobs at once, each job id once while it is queued or running', async () => {
    let running = 0;
    let peak = 0;
    const started: string[] = [];
    const releases: (() => void)[] = [];
    const runner = new JobRunner(2, async (jobId) => {
      started.push(jobId);
      peak = Math.max(peak, ++running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
    });
    for (const id of ['a', 'b', 'c', 'a']) runner.submit(id);
    await tick();
    expect(started).toEqual(['a', 'b']);
    releases.shift()!();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    releases.splice(0).forEach((release) => release());
    await tick();
    await runner.idle();
    expect(peak).toBe(2);
  });

  it('never runs two jobs for one target at once; other targets go ahead meanwhile', async () => {
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const targetOf: Record<string, string> = { j1: 't1', j2: 't1', j3: 't2' };
    const runner: JobRunner = new JobRunner(4, (jobId) =>
      runner.exclusive(targetOf[jobId], async () => {
        log.push(`start ${jobId}`);
        await new Promise<void>((resolve) => gates.set(jobId, resolve));
        log.push(`end ${jobId}`);
      }),
    );
    ['j1', 'j2', 'j3'].forEach((id) => runner.submit(id));
    await tick();
    expect(log).toEqual(['start j1', 'start j3']);
    gates.get('j1')!();
    await tick();
    await tick();
    expect(log).toEqual(['start j1', 'start j3', 'end j1', 'start j2']);
    gates.get('j2')!();
    gates.get('j3')!();
    await runner.idle();
    expect(log.filter((line) => line.startsWith('end'))).toHaveLength(3);
  });
});
