import { QUEUE_RETRY, QueueName } from '@certctl/contracts';
import { jobOptions, retryPolicy } from './queue.service';

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
