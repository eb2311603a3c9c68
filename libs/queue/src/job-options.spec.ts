import { QUEUE_RETRY, QueueName } from '@certctl/contracts';
import { jobOptions, retryDelayMs, retryPolicy } from './queue.service';

describe('queue retry policy', () => {
  it('ok/each queue has its policy in one table', () => {
    for (const name of Object.values(QueueName)) {
      expect(QUEUE_RETRY[name].attempts).toBeGreaterThanOrEqual(1);
      expect(QUEUE_RETRY[name].backoffMs).toBeGreaterThan(0);
    }
  });

  it('ok/without overrides a job gets the table values, exponential backoff, dead letters kept', () => {
    expect(jobOptions(QueueName.Issuance)).toEqual({
      attempts: QUEUE_RETRY[QueueName.Issuance].attempts,
      backoff: { type: 'exponential', delay: QUEUE_RETRY[QueueName.Issuance].backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10000 },
      removeOnFail: false,
    });
  });

  it('ok/overrides replace only what they name', () => {
    expect(retryPolicy(QueueName.Issuance, { attempts: 2 })).toEqual({ attempts: 2, backoffMs: QUEUE_RETRY[QueueName.Issuance].backoffMs });
    expect(retryPolicy(QueueName.Issuance, { backoffMs: 200 })).toEqual({
      attempts: QUEUE_RETRY[QueueName.Issuance].attempts,
      backoffMs: 200,
    });
    expect(jobOptions(QueueName.Issuance, { attempts: 4, backoffMs: 200 })).toMatchObject({
      attempts: 4,
      backoff: { type: 'exponential', delay: 200 },
    });
  });
});

describe('retryDelayMs', () => {
  it('ok/exponential backoff doubles from the delay after each failed attempt, as BullMQ computes it', () => {
    const opts = { attempts: 4, backoff: { type: 'exponential', delay: 200 } };
    expect([0, 1, 2].map((made) => retryDelayMs(opts, made))).toEqual([200, 400, 800]);
  });

  it('ok/fixed backoff and a bare number wait the delay each time', () => {
    expect(retryDelayMs({ attempts: 3, backoff: { type: 'fixed', delay: 500 } }, 1)).toBe(500);
    expect(retryDelayMs({ attempts: 3, backoff: 700 }, 0)).toBe(700);
  });

  it('fail/no retry after the last attempt', () => {
    expect(retryDelayMs({ attempts: 4, backoff: { type: 'exponential', delay: 200 } }, 3)).toBeNull();
    expect(retryDelayMs({}, 0)).toBeNull();
  });
});
