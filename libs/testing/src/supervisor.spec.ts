import { spawn } from 'node:child_process';
import { waitFor } from './wait-for';
import { type RestartPolicy, type SupervisedProcess, restartDecision, supervise } from './supervisor';

const policy: RestartPolicy = { baseDelayMs: 1000, maxDelayMs: 30000, maxCrashes: 5, windowMs: 60000 };

/** A real node process running `code`, with the `exited` promise the supervisor watches. */
function node(code: string): SupervisedProcess & { pid: number } {
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (exitCode, signal) => resolve({ code: exitCode, signal })),
  );
  return Object.assign(child, { exited }) as SupervisedProcess & { pid: number };
}

describe('restartDecision', () => {
  it('ok/backs off 1 s, 2 s, 4 s, 8 s, 16 s for crashes inside a minute, then gives up', () => {
    const t0 = 1_000_000;
    const history: number[] = [];
    const decisions = [0, 1, 2, 3, 4, 5].map((i) => {
      const d = restartDecision(history, t0 + i * 1000, policy);
      history.push(t0 + i * 1000);
      return d;
    });
    expect(decisions).toEqual([
      { action: 'restart', delayMs: 1000, crashesInWindow: 1 },
      { action: 'restart', delayMs: 2000, crashesInWindow: 2 },
      { action: 'restart', delayMs: 4000, crashesInWindow: 3 },
      { action: 'restart', delayMs: 8000, crashesInWindow: 4 },
      { action: 'restart', delayMs: 16000, crashesInWindow: 5 },
      { action: 'give-up', crashesInWindow: 6 },
    ]);
  });

  it('ok/crashes older than the window no longer count: a service that ran for a while starts again at once', () => {
    expect(restartDecision([0, 1000, 2000, 3000, 4000], 70_000, policy)).toEqual({ action: 'restart', delayMs: 1000, crashesInWindow: 1 });
    expect(restartDecision([0, 50_000], 70_000, policy)).toEqual({ action: 'restart', delayMs: 2000, crashesInWindow: 2 });
  });

  it('ok/the delay never exceeds the cap', () => {
    const many: RestartPolicy = { ...policy, maxCrashes: 50, maxDelayMs: 5000 };
    expect(
      restartDecision(
        Array.from({ length: 20 }, (_, i) => i),
        30,
        many,
      ),
    ).toMatchObject({ action: 'restart', delayMs: 5000 });
  });
});

describe('supervise (real child processes)', () => {
  const fast: RestartPolicy = { baseDelayMs: 10, maxDelayMs: 50, maxCrashes: 3, windowMs: 60000 };

  it('ok/a killed process is started again and the record points at the new one; stop() ends supervision', async () => {
    const children = { worker: node('setInterval(() => {}, 1000)') };
    const first = children.worker;
    const started: number[] = [];
    const sup = supervise(
      children,
      () => {
        const next = node('setInterval(() => {}, 1000)');
        started.push(next.pid);
        return next;
      },
      {},
      fast,
    );
    process.kill(first.pid!, 'SIGKILL');
    await waitFor(async () => started.length === 1, 10000, 'the restart', 20);
    expect(children.worker.pid).toBe(started[0]);
    expect(children.worker.pid).not.toBe(first.pid);
    sup.stop();
    const second = children.worker;
    second.kill('SIGKILL');
    await second.exited;
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toHaveLength(1); // not restarted after stop()
  });

  it('fail/a process that keeps crashing is restarted up to the limit, then given up on, with the crashes reported', async () => {
    const crashes: string[] = [];
    let gaveUp: number | undefined;
    const children = { flaky: node('process.exit(3)') };
    let starts = 0;
    supervise(
      children,
      () => {
        starts++;
        return node('process.exit(3)');
      },
      {
        crashed: (_name, exit, decision) => crashes.push(`${exit.code}:${decision.action}`),
        gaveUp: (_name, n) => (gaveUp = n),
      },
      fast,
    );
    await waitFor(async () => gaveUp !== undefined, 10000, 'the give-up', 20);
    expect(starts).toBe(3);
    expect(crashes).toEqual(['3:restart', '3:restart', '3:restart', '3:give-up']);
    expect(gaveUp).toBe(4);
  });
});
