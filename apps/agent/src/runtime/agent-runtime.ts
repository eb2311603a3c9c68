import { join } from 'node:path';
import { GatewayClient } from '../client/gateway-client';
import { GatewayError, type HttpOptions } from '../client/http';
import type { ResolvedConfig } from '../config/load-config';
import { scanDirectories } from '../discovery/scanner';
import { JobJournal } from '../jobs/journal';
import { jobProcessor } from '../jobs/job-processor';
import { JobRunner } from '../jobs/job-runner';
import { answerCsrJob } from '../keys/csr-job';
import { KeyStore } from '../keys/key-store';
import { agentLog } from '../log';
import { recoverFileSets } from '../targets/file-set';
import { backoffDelay, sleep } from './backoff';
import { hostFacts } from './host-facts';
import { resolveCredentials } from './registration';
import { AgentStop, stopFor } from './stop';

/** The running agent: registration, recovery, then the heartbeat, work and discovery loops. */
export class AgentRuntime {
  private readonly abort = new AbortController();
  private exitCode = 0;
  private discoveryMissingLogged = false;
  private client!: GatewayClient;
  private runner!: JobRunner;
  private keys!: KeyStore;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly http: HttpOptions,
  ) {}

  /** Ends every loop; the first stop decides the exit code. */
  halt(err: unknown): void {
    if (this.abort.signal.aborted) return;
    const stop = stopFor(err) ?? new AgentStop(1, (err as Error).message);
    this.exitCode = stop.exitCode;
    if (stop.exitCode === 2) process.stderr.write(`${stop.message}\n`);
    (stop.exitCode === 0 ? agentLog.info.bind(agentLog) : agentLog.error.bind(agentLog))({ exit_code: stop.exitCode }, stop.message);
    this.abort.abort();
  }

  /** Runs until halted (or one cycle with `once`); resolves with the exit code. */
  async run(once: boolean): Promise<number> {
    const signal = this.abort.signal;
    try {
      const credentials = await resolveCredentials(this.config, this.http, signal);
      this.client = new GatewayClient(this.http, credentials.agentId, credentials.apiKey);
      this.keys = new KeyStore(this.config.key_dir);
      await this.recover(credentials.agentId);
      if (once) {
        await this.heartbeat();
        await this.poll();
        await this.runner.idle();
        await this.discover();
        return this.exitCode;
      }
      await Promise.all([
        this.loop('heartbeat', this.config.heartbeat_interval, () => this.heartbeat()),
        this.loop('work poll', this.config.poll_interval, () => this.poll()),
        this.config.discovery_dirs.length ? this.loop('discovery', this.config.discovery_interval, () => this.discover()) : undefined,
      ]);
    } catch (err) {
      this.halt(err);
    }
    return this.exitCode;
  }

  /** Settles interrupted file sets, then queues every journaled job (re-report or redo). */
  private async recover(agentId: string): Promise<void> {
    const journal = new JobJournal(this.config.state_dir);
    const processor = jobProcessor(
      {
        client: this.client,
        keys: this.keys,
        journal,
        stateDir: this.config.state_dir,
        signal: this.abort.signal,
        onStop: (err) => this.halt(err),
      },
      () => this.runner,
    );
    this.runner = new JobRunner(this.config.max_parallel_jobs, processor);
    const settled = await recoverFileSets(join(this.config.state_dir, 'filesets'));
    if (settled.rolledForward.length || settled.discarded.length) agentLog.warn(settled, 'finished file sets interrupted by a crash');
    const pending = await journal.load();
    agentLog.info({ agent_id: agentId, journaled_jobs: pending.length }, 'agent started');
    for (const entry of pending) this.runner.submit(entry.job_id);
  }

  private async loop(what: string, intervalSeconds: number, body: () => Promise<void>): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await body();
        failures = 0;
      } catch (err) {
        if (stopFor(err)) return this.halt(err);
        failures++;
        agentLog.warn({ failures, error: (err as Error).message }, `${what} failed`);
      }
      await sleep(failures ? backoffDelay(failures, 1000) : intervalSeconds * 1000, signal);
    }
  }

  private async heartbeat(): Promise<void> {
    await this.client.heartbeat(hostFacts());
  }

  private async poll(): Promise<void> {
    const work = await this.client.work();
    for (const job of work.awaiting_csr) {
      try {
        const hash = await answerCsrJob(job, this.keys, this.client);
        agentLog.info({ job_id: job.id, key_spki_sha256: hash }, 'key generated on this host; CSR sent');
      } catch (err) {
        if (stopFor(err) || !(err instanceof GatewayError)) throw err;
        agentLog.warn({ job_id: job.id, error: err.message }, 'the server refused the CSR');
      }
    }
    for (const job of work.claimed) this.runner.submit(job.id);
  }

  private async discover(): Promise<void> {
    if (!this.config.discovery_dirs.length) return;
    const report = await scanDirectories(this.config.discovery_dirs);
    try {
      const { rejected, ...answer } = await this.client.discoveries(report);
      agentLog.info(
        { found: report.certificates.length, errors: report.errors.length, ...answer, rejected: rejected.length },
        'discovery report sent',
      );
      if (rejected.length) agentLog.warn({ rejected: rejected.slice(0, 20) }, 'the server could not parse some reported certificates');
    } catch (err) {
      if (!(err instanceof GatewayError) || err.status !== 404) throw err;
      if (!this.discoveryMissingLogged)
        agentLog.warn({ found: report.certificates.length }, 'the server does not accept discovery reports yet; will retry');
      this.discoveryMissingLogged = true;
    }
  }
}
