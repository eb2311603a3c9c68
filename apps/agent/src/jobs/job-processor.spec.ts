import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentJob, GatewayClient } from '../client/gateway-client';
import { GatewayError } from '../client/http';
import { KeyStore } from '../keys/key-store';
import { JobJournal } from './journal';
import { jobProcessor } from './job-processor';
import { JobRunner } from './job-runner';

function job(over: Partial<AgentJob> = {}): AgentJob {
  return {
    id: 'job-1',
    type: 'deployment',
    status: 'running',
    certificate_id: 'cert-1',
    certificate_pem: null,
    chain_pem: null,
    target: { id: 'tgt-1', name: 'edge', type: 'telnet', config: {} },
    ...over,
  } as AgentJob;
}

async function setup(client: Partial<GatewayClient>) {
  const state = mkdtempSync(join(tmpdir(), 'agent-journal-'));
  const journal = new JobJournal(state);
  await journal.load();
  const onStop = jest.fn();
  const deps = {
    client: client as GatewayClient,
    keys: new KeyStore(join(state, 'keys')),
    journal,
    stateDir: state,
    signal: new AbortController().signal,
    onStop,
  };
  const runner: JobRunner = new JobRunner(
    4,
    jobProcessor(deps, () => runner),
  );
  return { state, journal, runner, onStop };
}

describe('the job journal and processor', () => {
  it('a restart re-reports an outcome the server never acknowledged, then forgets it', async () => {
    const report = jest.fn(async () => ({}));
    const first = await setup({ report });
    await first.journal.started('job-1', 'tgt-1');
    await first.journal.finished('job-1', { status: 'completed', result: { target_id: 'tgt-1' } });

    const again = new JobJournal(first.state); // the restarted agent
    expect(await again.load()).toMatchObject([{ job_id: 'job-1', phase: 'finished' }]);
    const deps = {
      client: { report } as unknown as GatewayClient,
      keys: new KeyStore('/nonexistent'),
      journal: again,
      stateDir: first.state,
      signal: new AbortController().signal,
      onStop: jest.fn(),
    };
    const runner: JobRunner = new JobRunner(
      1,
      jobProcessor(deps, () => runner),
    );
    runner.submit('job-1');
    await runner.idle();
    expect(report).toHaveBeenCalledWith('job-1', { status: 'completed', result: { target_id: 'tgt-1' } });
    expect(JSON.parse(readFileSync(join(first.state, 'jobs.json'), 'utf8'))).toEqual([]);
  });

  it('a job still running at restart is done again; the report is retried while the server is down', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' });
    const report = jest.fn().mockRejectedValueOnce(down).mockResolvedValue({});
    const { journal, runner } = await setup({ job: jest.fn(async () => job()), report });
    await journal.started('job-1', 'tgt-1');
    runner.submit('job-1');
    await runner.idle();
    expect(report).toHaveBeenNthCalledWith(1, 'job-1', { status: 'running' });
    expect(report).toHaveBeenLastCalledWith('job-1', {
      status: 'failed',
      error: expect.stringContaining('no connector for target type "telnet"'),
      result: { target_id: 'tgt-1', files: [], verification: null, rolled_back: false, failed_step: 'config' },
    });
    expect(journal.get('job-1')).toBeUndefined();
  });

  it('a job the server already finished is dropped; a 410 stops the agent', async () => {
    const done = await setup({ job: jest.fn(async () => job({ status: 'completed' })), report: jest.fn() });
    await done.journal.started('job-1', 'tgt-1');
    done.runner.submit('job-1');
    await done.runner.idle();
    expect(done.journal.get('job-1')).toBeUndefined();

    const retired = await setup({ job: jest.fn(async () => Promise.reject(new GatewayError(410, 'agent retired', 'agent_retired'))) });
    retired.runner.submit('job-2');
    await retired.runner.idle();
    expect(retired.onStop).toHaveBeenCalledWith(expect.objectContaining({ status: 410 }));
  });
});
