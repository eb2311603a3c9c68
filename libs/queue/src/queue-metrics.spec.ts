import { registry } from '@certctl/observability';
import { QUEUE_DEAD_LETTERS, QUEUE_JOB_DURATION, queueDeadLetters, queueJobDuration } from './index';

describe('queue metrics', () => {
  it('ok/loading the queue library registers nothing; first use registers each metric once', async () => {
    expect(registry.getSingleMetric(QUEUE_JOB_DURATION)).toBeUndefined();
    expect(registry.getSingleMetric(QUEUE_DEAD_LETTERS)).toBeUndefined();

    const duration = queueJobDuration();
    expect(queueJobDuration()).toBe(duration);
    queueDeadLetters().set({ queue: 'certctl-issuance' }, 2);
    expect(queueDeadLetters()).toBe(queueDeadLetters());

    const text = await registry.metrics();
    expect(text).toContain(`# TYPE ${QUEUE_JOB_DURATION} histogram`);
    expect(text).toMatch(/certctl_queue_dead_letter_jobs\{queue="certctl-issuance"\} 2/);
  });
});
