import { ReloadTracker, leafWithChain, runStep } from './server-support';
import type { DeployMaterial } from './target';

describe('ReloadTracker', () => {
  it('skips the reload after a rollback when the server never loaded the new files', () => {
    const tracker = new ReloadTracker();
    const config = {};
    tracker.deployed(config);
    tracker.rolledBack(config); // the configuration test failed: no reload happened
    expect(tracker.beforeReload(config)).toBe(false);
    expect(tracker.beforeReload(config)).toBe(true); // only that one reload
  });

  it('reloads after a rollback when the server had loaded the new files', () => {
    const tracker = new ReloadTracker();
    const config = {};
    tracker.deployed(config);
    expect(tracker.beforeReload(config)).toBe(true);
    tracker.rolledBack(config); // e.g. the verification failed
    expect(tracker.beforeReload(config)).toBe(true);
  });
});

describe('server support', () => {
  it('joins the leaf and its chain, ignoring an empty chain', () => {
    expect(leafWithChain({ certificatePem: 'A\n', chainPem: 'B\n' } as DeployMaterial)).toBe('A\nB\n');
    expect(leafWithChain({ certificatePem: 'A', chainPem: '' } as DeployMaterial)).toBe('A\n');
  });

  it("throws the step's TargetError with the program's own output when it exits non-zero", async () => {
    await expect(
      runStep('validate', [process.execPath, '-e', 'console.error("emerg: bad line 3"); process.exit(1)']),
    ).rejects.toMatchObject({
      name: 'TargetError',
      step: 'validate',
      message: expect.stringContaining('emerg: bad line 3'),
    });
    await expect(runStep('reload', [process.execPath, '-e', 'process.exit(0)'])).resolves.toBe('');
  });
});
