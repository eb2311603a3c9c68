import { readState } from './e2e-env';
import { waitFor } from './http';

describe('scheduler loops against the running services', () => {
  it('every loop runs and succeeds against its owning service (renewal, expiry, agents, reaper, CRL refresh, ACME GC)', async () => {
    const state = readState();
    const runs = await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${state.ports.scheduler}/metrics`)).text();
        const ok = (loop: string) =>
          text
            .split('\n')
            .some((l) => l.startsWith('certctl_scheduler_loop_runs_total{') && l.includes(`loop="${loop}"`) && l.includes('result="ok"'));
        const loops = ['renewal', 'expiry-alerts', 'expiry-status', 'agent-offline', 'job-reaper', 'crl-refresh', 'acme-gc'];
        return loops.every(ok) ? loops : undefined;
      },
      30000,
      'every scheduler loop to have run once',
    );
    expect(runs).toHaveLength(7);
  });
});
