/**
 * Runs jobs with bounded parallelism (at most `limit` at once), each job id once, and never two
 * at once for one key (a target): work for other targets goes ahead meanwhile.
 */
export class JobRunner {
  private readonly known = new Set<string>();
  private readonly queue: string[] = [];
  private readonly locks = new Map<string, Promise<void>>();
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly run: (jobId: string) => Promise<void>,
  ) {}

  /** Queues a job unless it is already queued or running. */
  submit(jobId: string): void {
    if (this.known.has(jobId)) return;
    this.known.add(jobId);
    this.queue.push(jobId);
    this.pump();
  }

  /** Runs `fn` once no other call for `key` is running. */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = before.then(() => mine);
    this.locks.set(key, chained);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === chained) this.locks.delete(key);
    }
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.limit && this.queue.length) {
      const jobId = this.queue.shift()!;
      this.active++;
      void this.run(jobId).finally(() => {
        this.active--;
        this.known.delete(jobId);
        this.pump();
        if (this.active === 0 && this.queue.length === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }
}
