import { unitDeployMaterial, unitTargetContext } from '@certctl/testing';
import { z } from 'zod';
import { runDeployment } from './deploy-flow';
import { type TargetConnector, TargetError } from './target';

const material = unitDeployMaterial;
const ctx = unitTargetContext;

/** A connector recording its calls; `failAt` makes one step throw. */
function recordingConnector(failAt: 'validate' | 'reload' | 'none') {
  const calls: string[] = [];
  let reloads = 0;
  const connector: TargetConnector<object> = {
    type: 'recording',
    configSchema: z.object({}),
    deploy: async () => {
      calls.push('deploy');
      return { files: ['/srv/cert.pem'], backup: { files: [], restore: async () => undefined } };
    },
    validate: async () => {
      calls.push('validate');
      if (failAt === 'validate') throw new TargetError('validate', 'config test failed', 'line 3: unknown directive');
    },
    reload: async () => {
      calls.push('reload');
      reloads++;
      if (failAt === 'reload' && reloads === 1) throw new TargetError('reload', 'reload failed', 'no such process');
    },
    verify: async () => ({ ok: true, servedFingerprint: 'ab', address: 'x:1', verifiedAt: '2026-01-01T00:00:00.000Z' }),
    rollback: async () => {
      calls.push('rollback');
    },
  };
  return { connector, calls };
}

describe('runDeployment rollback', () => {
  it('after a failed configuration test restores the files without reloading (the server never loaded them)', async () => {
    const { connector, calls } = recordingConnector('validate');

    const outcome = await runDeployment(connector, {}, material, ctx);

    expect(calls).toEqual(['deploy', 'validate', 'rollback']);
    expect(outcome).toMatchObject({
      ok: false,
      failedStep: 'validate',
      rolledBack: true,
      error: 'config test failed: line 3: unknown directive',
    });
  });

  it('after a failed reload restores the files and reloads again', async () => {
    const { connector, calls } = recordingConnector('reload');

    const outcome = await runDeployment(connector, {}, material, ctx);

    expect(calls).toEqual(['deploy', 'validate', 'reload', 'rollback', 'reload']);
    expect(outcome).toMatchObject({ ok: false, failedStep: 'reload', rolledBack: true });
  });
});
