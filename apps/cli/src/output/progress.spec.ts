import { Progress, progressFigures, progressLine } from './progress';

describe('progress', () => {
  it('rate is finished per second since start, ETA the remaining ones at that rate', () => {
    expect(progressFigures({ done: 8, failed: 2, total: 40 }, 5000)).toEqual({ rate: 2, etaSeconds: 15 });
    expect(progressFigures({ done: 0, failed: 0, total: 40 }, 5000).etaSeconds).toBe(Number.POSITIVE_INFINITY);
    expect(progressFigures({ done: 40, failed: 0, total: 40 }, 5000).etaSeconds).toBe(0);
  });

  it('a plain line without a terminal, a bar with one', () => {
    expect(progressLine('renewing', { done: 8, failed: 2, total: 40 }, 5000)).toBe('renewing: 10/40 (8 ok, 2 failed) 2.0/s ETA 15s');
    expect(progressLine('renewing', { done: 20, failed: 0, total: 40 }, 1000, 10)).toBe(
      'renewing [#####.....] 20/40 (20 ok, 0 failed) 20.0/s ETA 1s',
    );
    expect(progressLine('x', { done: 1, failed: 0, total: 200 }, 1000)).toBe('x: 1/200 (1 ok, 0 failed) 1.0/s ETA 3m19s');
    expect(progressLine('x', { done: 0, failed: 0, total: 2 }, 1000)).toContain('ETA ?');
  });

  it('not a terminal: one line per interval, and the final counts at the end', () => {
    let now = 0;
    const written: string[] = [];
    const progress = new Progress({ tty: false, write: (text) => written.push(text), label: 'renewing', intervalMs: 2000, now: () => now });
    progress.update({ done: 0, failed: 0, total: 4 });
    now = 1000;
    progress.update({ done: 1, failed: 0, total: 4 }); // within the interval: silent
    now = 2500;
    progress.update({ done: 2, failed: 0, total: 4 });
    now = 3000;
    progress.update({ done: 4, failed: 0, total: 4 });
    progress.finish();
    expect(written).toEqual([
      'renewing: 0/4 (0 ok, 0 failed) 0.0/s ETA ?\n',
      'renewing: 2/4 (2 ok, 0 failed) 0.8/s ETA 3s\n',
      'renewing: 4/4 (4 ok, 0 failed) 1.3/s ETA 0s\n',
    ]);
  });

  it('not a terminal: the final counts are not repeated when the last update printed them', () => {
    const written: string[] = [];
    const progress = new Progress({ tty: false, write: (text) => written.push(text), label: 'revoking', now: () => 0 });
    progress.update({ done: 3, failed: 0, total: 3 });
    progress.finish();
    expect(written).toEqual(['revoking: 3/3 (3 ok, 0 failed) 0.0/s ETA 0s\n']);
  });

  it('a terminal: the bar is redrawn in place on every update, a newline at the end', () => {
    const written: string[] = [];
    const progress = new Progress({ tty: true, write: (text) => written.push(text), label: 'renewing', width: 4, now: () => 1000 });
    progress.update({ done: 1, failed: 0, total: 2 });
    progress.update({ done: 2, failed: 0, total: 2 });
    progress.finish();
    expect(written).toHaveLength(3);
    expect(written[0]).toMatch(/^\rrenewing \[##\.\.\] 1\/2 /);
    expect(written[1].startsWith('\rrenewing [####] 2/2 ')).toBe(true);
    expect(written[1].endsWith('\u001b[K')).toBe(true); // clears the rest of the line
    expect(written[2]).toBe('\n');
  });
});
