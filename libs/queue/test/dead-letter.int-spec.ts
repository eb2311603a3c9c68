import { AppError, QueueName } from '@certctl/contracts';
import { registry } from '@certctl/observability';
import { waitFor } from '@certctl/testing';
import { QueueService } from '../src';
import { randomUUID } from 'node:crypto';

describe('QueueService on real Redis', () => {
  const redisUrl = `${process.env.REDIS_URL!.replace(/\/\d*$/, '')}/7`;
  let queues: QueueService;

  beforeEach(async () => {
    queues = new QueueService({ redisUrl, retry: { [QueueName.Deployment]: { attempts: 3, backoffMs: 20 } } });
    await queues.queue(QueueName.Deployment).obliterate({ force: true });
  });
  afterEach(() => queues.onApplicationShutdown());

  it('ok/a worked queue reports 0 dead letters from the start, and its jobs by state from Redis at each scrape', async () => {
    queues.worker(QueueName.Deployment, async () => undefined);
    const sample = (text: string, re: RegExp) => re.exec(text)?.[1];
    const dead = /^certctl_queue_dead_letter_jobs\{queue="certctl-deployment"\} (\d+)$/m;
    let text = '';
    await waitFor(async () => sample((text = await registry.metrics()), dead) !== undefined);
    expect(sample(text, dead)).toBe('0');
    for (const n of [1, 2, 3]) await queues.add(QueueName.Deployment, randomUUID(), { job_id: `later-${n}` }, { delay: 60_000 });
    text = await registry.metrics();
    expect(sample(text, /^certctl_queue_jobs\{queue="certctl-deployment",state="delayed"\} (\d+)$/m)).toBe('3');
    expect(sample(text, /^certctl_queue_jobs\{queue="certctl-deployment",state="waiting"\} (\d+)$/m)).toBe('0');
  });

  it('ok/on shutdown the workers finish the job in flight before the onApplicationShutdown round closes the clients it uses', async () => {
    const id = randomUUID();
    const steps: string[] = [];
    let started = false;
    queues.worker(QueueName.Deployment, async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 500));
      steps.push('job finished');
    });
    await queues.add(QueueName.Deployment, id, { job_id: id });
    await waitFor(async () => started || undefined);
    // Nest's order: every beforeApplicationShutdown hook, then every onApplicationShutdown hook
    // (where the RPC client drains its NATS connection).
    await queues.beforeApplicationShutdown();
    steps.push('rpc client closed');
    expect(steps).toEqual(['job finished', 'rpc client closed']);
    expect(await queues.queue(QueueName.Deployment).getCompletedCount()).toBe(1);
  });

  it('ok/the same job id queued twice runs once', async () => {
    const id = randomUUID();
    let runs = 0;
    queues.worker(QueueName.Deployment, async () => void runs++);
    await queues.add(QueueName.Deployment, id, { job_id: id });
    await queues.add(QueueName.Deployment, id, { job_id: id });
    await waitFor(async () => (await queues.queue(QueueName.Deployment).getCompletedCount()) === 1);
    // Nothing waiting, delayed or running behind it: no second run can come.
    expect((await queues.jobCounts())[QueueName.Deployment]).toMatchObject({ waiting: 0, prioritized: 0, delayed: 0, active: 0 });
    expect(runs).toBe(1);
  });

  it('ok/a job meeting an unavailable service waits it out without spending attempts, then runs once', async () => {
    const id = randomUUID();
    let runs = 0;
    // Five runs meet the outage (more than the queue's 3 attempts), the sixth finds the service back.
    queues.worker(QueueName.Deployment, async () => {
      runs++;
      if (runs <= 5) throw new AppError('service_unavailable', 'the service answering certctl.v1.inventory.job.start is unavailable');
    });
    await queues.add(QueueName.Deployment, id, { job_id: id });
    await waitFor(async () => (await queues.queue(QueueName.Deployment).getCompletedCount()) === 1, 30000);
    expect(runs).toBe(6);
    const job = (await queues.queue(QueueName.Deployment).getJob(id))!;
    expect(job.attemptsMade).toBe(1);
    expect(await queues.deadLetters(QueueName.Deployment)).toHaveLength(0);
  });

  it('fail/a job failing every attempt is dead-lettered after bounded attempts, listed, and requeued', async () => {
    const id = randomUUID();
    let attempts = 0;
    let healthy = false;
    queues.worker(QueueName.Deployment, async () => {
      attempts++;
      if (!healthy) throw new Error('target unreachable');
    });
    await queues.add(QueueName.Deployment, id, { job_id: id });
    await waitFor(async () => (await queues.deadLetters(QueueName.Deployment)).length === 1);
    expect(attempts).toBe(3);
    const [dead] = await queues.deadLetters(QueueName.Deployment);
    expect(dead).toMatchObject({ id, attempts_made: 3, failed_reason: 'target unreachable' });
    expect(await queues.refreshDeadLetterGauge(QueueName.Deployment)).toBe(1);

    healthy = true;
    await queues.requeue(QueueName.Deployment, id);
    await waitFor(async () => (await queues.queue(QueueName.Deployment).getCompletedCount()) === 1);
    expect(await queues.deadLetters(QueueName.Deployment)).toHaveLength(0);
    await expect(queues.requeue(QueueName.Deployment, id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it("ok/a job carries its producer's retry policy: a consumer with other settings retries it by the producer's bound", async () => {
    const producer = new QueueService({ redisUrl, retry: { [QueueName.Deployment]: { attempts: 2, backoffMs: 30 } } });
    try {
      const id = randomUUID();
      await producer.add(QueueName.Deployment, id, { job_id: id });
      const stored = await producer.queue(QueueName.Deployment).getJob(id);
      expect(stored?.opts).toMatchObject({ attempts: 2, backoff: { type: 'exponential', delay: 30 } });

      let attempts = 0;
      queues.worker(QueueName.Deployment, async () => {
        attempts++;
        throw new Error('target unreachable');
      });
      await waitFor(async () => (await queues.deadLetters(QueueName.Deployment)).length === 1);
      expect(attempts).toBe(2);
    } finally {
      await producer.onApplicationShutdown();
    }
  });

  it('fail/a non-retryable AppError goes to the dead-letter state on the first attempt', async () => {
    const id = randomUUID();
    let attempts = 0;
    queues.worker(QueueName.Deployment, async () => {
      attempts++;
      throw new AppError('validation_failed', 'bad target config');
    });
    await queues.add(QueueName.Deployment, id, { job_id: id });
    await waitFor(async () => (await queues.deadLetters(QueueName.Deployment)).length === 1);
    expect(attempts).toBe(1);
  });

  it('fail/ensureQueued revives a dead entry with a fresh budget, adds a missing or finished one, and leaves a waiting one; onlyDead adds nothing', async () => {
    const [dead, missing, waiting] = [randomUUID(), randomUUID(), randomUUID()];
    let healthy = false;
    const runs: string[] = [];
    queues.worker(QueueName.Deployment, async (job) => {
      if (!healthy) throw new Error('owner unreachable');
      runs.push(job.data.job_id);
    });
    await queues.add(QueueName.Deployment, dead, { job_id: dead });
    await waitFor(async () => (await queues.deadLetters(QueueName.Deployment)).length === 1);
    // Adding the id of a dead entry again is a no-op: that is what left owners' jobs stranded.
    await queues.add(QueueName.Deployment, dead, { job_id: dead });
    expect(await queues.queue(QueueName.Deployment).getJobState(dead)).toBe('failed');

    expect(await queues.ensureQueued(QueueName.Deployment, missing, { job_id: missing }, { onlyDead: true })).toBe('queued');
    expect(await queues.queue(QueueName.Deployment).getJob(missing)).toBeUndefined();
    await queues.add(QueueName.Deployment, waiting, { job_id: waiting }, { delay: 60_000 });
    expect(await queues.ensureQueued(QueueName.Deployment, waiting, { job_id: waiting })).toBe('queued');
    expect(await queues.queue(QueueName.Deployment).getJobState(waiting)).toBe('delayed');

    healthy = true;
    expect(await queues.ensureQueued(QueueName.Deployment, dead, { job_id: dead }, { onlyDead: true })).toBe('revived');
    expect(await queues.ensureQueued(QueueName.Deployment, missing, { job_id: missing })).toBe('added');
    await waitFor(async () => runs.length === 2);
    expect(runs.sort()).toEqual([dead, missing].sort());
    expect(await queues.deadLetters(QueueName.Deployment)).toHaveLength(0);
    // A finished entry whose owner wants it again (an operator's retry) runs again.
    expect(await queues.ensureQueued(QueueName.Deployment, missing, { job_id: missing })).toBe('added');
    await waitFor(async () => runs.length === 3);
  });
});
