import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobReport } from '../client/gateway-client';
import { writeFileAtomic } from '../targets/file-set';

/**
 * The agent's local record of its deployment jobs, so a restart (even after kill -9 or a long
 * outage) loses nothing: a job is `running` from the moment the agent takes it until its outcome
 * is written (`finished`), and leaves the journal once the server acknowledged that outcome.
 */
export interface JournalEntry {
  job_id: string;
  target_id: string | null;
  phase: 'running' | 'finished';
  outcome?: JobReport;
  updated_at: string;
}

export class JobJournal {
  private entries = new Map<string, JournalEntry>();
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly stateDir: string) {}

  private get path(): string {
    return join(this.stateDir, 'jobs.json');
  }

  async load(): Promise<JournalEntry[]> {
    const text = await readFile(this.path, 'utf8').catch(() => '[]');
    let list: JournalEntry[] = [];
    try {
      list = JSON.parse(text) as JournalEntry[];
    } catch {
      list = []; // writeFileAtomic never leaves a half-written journal; an edited one is started afresh
    }
    this.entries = new Map(list.map((entry) => [entry.job_id, entry]));
    return [...this.entries.values()];
  }

  get(jobId: string): JournalEntry | undefined {
    return this.entries.get(jobId);
  }

  /** Every change is on disk (atomically) before the promise resolves; writes are serialized. */
  private persist(): Promise<void> {
    const snapshot = JSON.stringify([...this.entries.values()], null, 1);
    this.writing = this.writing.then(() => writeFileAtomic(this.path, snapshot, 0o600));
    return this.writing;
  }

  started(jobId: string, targetId: string | null): Promise<void> {
    this.entries.set(jobId, { job_id: jobId, target_id: targetId, phase: 'running', updated_at: new Date().toISOString() });
    return this.persist();
  }

  finished(jobId: string, outcome: JobReport): Promise<void> {
    const entry = this.entries.get(jobId);
    this.entries.set(jobId, {
      job_id: jobId,
      target_id: entry?.target_id ?? null,
      phase: 'finished',
      outcome,
      updated_at: new Date().toISOString(),
    });
    return this.persist();
  }

  acknowledged(jobId: string): Promise<void> {
    this.entries.delete(jobId);
    return this.persist();
  }
}
