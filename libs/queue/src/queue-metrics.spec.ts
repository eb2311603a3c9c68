import { registry } from '@certctl/observability';
import { QUEUE_DEAD_LETTERS, QUEUE_JOBS, QUEUE_JOB_DURATION, queueDeadLetters, queueJobDuration, queueJobs } from './index';

describe('queue metrics', () => {
  it('ok/loading the queue library registers nothing; first use registers each metric once', async () => {
    expect(registry.getSingleMetric(QUEUE_JOB_DURATION)).toBeUndefined();
    expect(registry.getSingleMetric(QUEUE_DEAD_LETTERS)).toBeUndefined();
    expect(registry.getSingleMetric(QUEUE_JOBS)).toBeUndefined();

    const duration = queueJobDuration();
    expect(queueJobDuration()).toBe(duration);
    queueDeadLetters().set({ queue: 'certctl-issuance' }, 2);
    expect(queueDeadLetters()).toBe(queueDeadLetters());

    const text = await registry.metrics();
    expect(text).toContain(`# TYPE ${QUEUE_JOB_DURATION} histogram`);
    expect(text).toMatch(/certctl_queue_dead_letter_jobs\{queue="certctl-issuance"\} 2/);
  });

  it('ok/the backlog gauge reads the job counts of each worked queue at scrape time; a failed read keeps the last values', async () => {
    let counts: () => Promise<Record<string, Record<string, number>>> = async () => ({
      'certctl-issuance': { waiting: 7, delayed: 2, active: 1 },
    });
    queueJobs(() => counts());
    expect(queueJobs(async () => ({}))).toBe(queueJobs(async () => ({})));
    let text = await registry.metrics();
    expect(text).toMatch(/certctl_queue_jobs\{queue="certctl-issuance",state="waiting"\} 7/);
    expect(text).toMatch(/certctl_queue_jobs\{queue="certctl-issuance",state="delayed"\} 2/);
    expect(text).toMatch(/certctl_queue_jobs\{queue="certctl-issuance",state="prioritized"\} 0/);

    counts = async () => ({ 'certctl-issuance': { waiting: 40 } });
    expect(await registry.metrics()).toMatch(/certctl_queue_jobs\{queue="certctl-issuance",state="waiting"\} 40/);

    counts = async () => {
      throw new Error('redis down');
    };
    text = await registry.metrics();
    expect(text).toMatch(/certctl_queue_jobs\{queue="certctl-issuance",state="waiting"\} 40/);
  });
});
