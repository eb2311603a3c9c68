import { waitForDatabase } from './prisma.service';

describe('waitForDatabase', () => {
  it('ok/retries a failing ping until the database answers', async () => {
    let calls = 0;
    await waitForDatabase(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('Connection terminated due to connection timeout');
      },
      1000,
      5,
    );
    expect(calls).toBe(3);
  });

  it('fail/gives up with the last error once the time is spent', async () => {
    let calls = 0;
    const ping = async () => {
      calls += 1;
      throw new Error(`refused ${calls}`);
    };
    const failure = await waitForDatabase(ping, 40, 10).catch((err: Error) => err);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`refused ${calls}`); // the last attempt's error
  });
});
