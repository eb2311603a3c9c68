// HeartbeatBatcher: heartbeats arriving together share one write; each answer waits for the write carrying its row.
import type { Heartbeat } from './agent.repository';
import { HeartbeatBatcher, type HeartbeatWrite } from './heartbeat-batcher';

const beat = (version = '1.0.0'): Heartbeat => ({ hostname: 'h', os: 'linux', architecture: 'amd64', version, ipAddresses: ['10.0.0.1'] });

/** A write whose batches are recorded and which finishes only when the test says so. */
function controlledWrite(known: (id: string) => boolean = () => true) {
  const batches: { id: string; beat: Heartbeat }[][] = [];
  const finish: (() => void)[] = [];
  const write: jest.MockedFunction<HeartbeatWrite> = jest.fn(
    (batch) =>
      new Promise<Set<string>>((resolve) => {
        batches.push(batch);
        finish.push(() => resolve(new Set(batch.filter((b) => known(b.id)).map((b) => b.id))));
      }),
  );
  return { write, batches, finishNext: () => finish.shift()!() };
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('HeartbeatBatcher', () => {
  it('ok/heartbeats arriving within the window are one write; each answer waits for it', async () => {
    const { write, batches, finishNext } = controlledWrite();
    const batcher = new HeartbeatBatcher(write, { windowMs: 2, maxBatch: 500 });
    let answered = 0;
    const answers = ['a1', 'a2', 'a3'].map((id) => batcher.record(id, beat()).then((ok) => (answered++, ok)));
    await tick();
    expect(write).toHaveBeenCalledTimes(1);
    expect(batches[0].map((b) => b.id)).toEqual(['a1', 'a2', 'a3']);
    expect(answered).toBe(0); // not before the row is written
    finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([true, true, true]);
  });

  it('ok/what arrives while a write is in flight forms the next batch, written as soon as the first is done', async () => {
    const { write, batches, finishNext } = controlledWrite();
    const batcher = new HeartbeatBatcher(write, { windowMs: 1, maxBatch: 500 });
    const first = batcher.record('a1', beat());
    await tick();
    const later = ['a2', 'a3', 'a4'].map((id) => batcher.record(id, beat()));
    await tick();
    expect(write).toHaveBeenCalledTimes(1); // one batch in flight at a time
    finishNext();
    await first;
    await tick(0);
    expect(batches[1].map((b) => b.id)).toEqual(['a2', 'a3', 'a4']);
    finishNext();
    await expect(Promise.all(later)).resolves.toEqual([true, true, true]);
  });

  it('ok/a full batch is written without waiting for the window; the rest follows', async () => {
    const { write, batches, finishNext } = controlledWrite();
    const batcher = new HeartbeatBatcher(write, { windowMs: 60_000, maxBatch: 2 });
    const answers = ['a1', 'a2', 'a3'].map((id) => batcher.record(id, beat()));
    await tick(0);
    expect(batches.map((b) => b.length)).toEqual([2]);
    finishNext();
    await tick(0);
    expect(batches.map((b) => b.map((x) => x.id))).toEqual([['a1', 'a2'], ['a3']]);
    finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([true, true, true]);
  });

  it('ok/two heartbeats of one agent in a batch: one row, the last facts written, both answered', async () => {
    const { write, batches, finishNext } = controlledWrite();
    const batcher = new HeartbeatBatcher(write, { windowMs: 2, maxBatch: 500 });
    const answers = [batcher.record('a1', beat('1.0.0')), batcher.record('a1', beat('1.1.0'))];
    await tick();
    expect(batches[0]).toEqual([{ id: 'a1', beat: beat('1.1.0') }]);
    finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([true, true]);
  });

  it('fail/an unknown or retired agent (not written) answers false; the others in its batch true', async () => {
    const { write, finishNext } = controlledWrite((id) => id !== 'gone');
    const batcher = new HeartbeatBatcher(write, { windowMs: 2, maxBatch: 500 });
    const answers = [batcher.record('a1', beat()), batcher.record('gone', beat())];
    await tick();
    finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([true, false]);
  });

  it('fail/a failed write fails every heartbeat of its batch, and the next batch is still written', async () => {
    let calls = 0;
    const write: HeartbeatWrite = jest.fn(async (batch) => {
      if (calls++ === 0) throw new Error('connection reset');
      return new Set(batch.map((b) => b.id));
    });
    const batcher = new HeartbeatBatcher(write, { windowMs: 1, maxBatch: 500 });
    const failed = [batcher.record('a1', beat()), batcher.record('a2', beat())];
    await expect(Promise.allSettled(failed)).resolves.toEqual([
      { status: 'rejected', reason: new Error('connection reset') },
      { status: 'rejected', reason: new Error('connection reset') },
    ]);
    await expect(batcher.record('a1', beat())).resolves.toBe(true);
    expect(batcher.queued).toBe(0);
  });
});
