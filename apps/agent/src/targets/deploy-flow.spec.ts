import { z } from 'zod';
import { runDeployment } from './deploy-flow';
import { type DeployMaterial, type Deployment, type TargetConnector, TargetError, type VerifyResult } from './target';

const material: DeployMaterial = {
  jobId: 'job-1',
  certificateId: 'cert-1',
  versionId: 'ver-1',
  certificatePem: 'LEAF',
  chainPem: '',
  privateKeyPem: 'KEY',
  fingerprintSha256: 'ab'.repeat(32),
};
const ctx = { log: { info: jest.fn(), warn: jest.fn() }, stateDir: '/nonexistent' };
type Step = 'deploy' | 'validate' | 'reload' | 'verify';

function fakeConnector(failAt: Step | undefined, failReloadAgain = false) {
  const calls: string[] = [];
  let reloads = 0;
  let rolledBack = false;
  const deployment: Deployment = { files: ['/srv/tls/cert.pem'], backup: { files: [], restore: async () => undefined } };
  const served = (ok: boolean): VerifyResult => ({
    ok,
    servedFingerprint: ok ? material.fingerprintSha256 : 'cd'.repeat(32),
    address: '127.0.0.1:443',
    verifiedAt: '2026-01-01T00:00:00.000Z',
    error: ok ? undefined : 'serves the old certificate',
  });
  const connector: TargetConnector<{ name: string }> = {
    type: 'fake',
    configSchema: z.strictObject({ name: z.string() }),
    async deploy() {
      calls.push('deploy');
      if (failAt === 'deploy') throw new TargetError('deploy', 'disk full');
      return deployment;
    },
    async validate() {
      calls.push('validate');
      if (failAt === 'validate') throw new TargetError('validate', 'config test failed', 'emerg: unknown directive "ssl_certificat"');
    },
    async reload() {
      calls.push('reload');
      reloads++;
      if (failAt === 'reload' && reloads === 1) throw new TargetError('reload', 'reload failed', 'bind() failed (98: Address in use)');
      if (failReloadAgain && rolledBack) throw new TargetError('reload', 'reload failed again');
    },
    async verify() {
      calls.push('verify');
      return served(failAt !== 'verify');
    },
    async rollback() {
      calls.push('rollback');
      rolledBack = true;
    },
  };
  return { connector, calls };
}

describe('runDeployment', () => {
  it('deploy → validate → reload → verify when everything works', async () => {
    const { connector, calls } = fakeConnector(undefined);
    const outcome = await runDeployment(connector, { name: 'x' }, material, ctx);
    expect(calls).toEqual(['deploy', 'validate', 'reload', 'verify']);
    expect(outcome).toMatchObject({ ok: true, files: ['/srv/tls/cert.pem'], rolledBack: false, verification: { ok: true } });
  });

  it.each([
    // A failed configuration test never reached the reload: the files go back without one (a
    // reload would fail on the same test).
    ['validate', ['deploy', 'validate', 'rollback'], 'config test failed: emerg: unknown directive "ssl_certificat"'],
    ['reload', ['deploy', 'validate', 'reload', 'rollback', 'reload'], 'reload failed: bind() failed (98: Address in use)'],
    ['verify', ['deploy', 'validate', 'reload', 'verify', 'rollback', 'reload'], 'serves the old certificate'],
  ] as const)(
    'a failure at %s rolls back (and reloads when the server may have loaded the new files), with the step and the server text',
    async (step, expected, text) => {
      const { connector, calls } = fakeConnector(step);
      const outcome = await runDeployment(connector, { name: 'x' }, material, ctx);
      expect(calls).toEqual(expected);
      expect(outcome).toMatchObject({ ok: false, failedStep: step, error: text, rolledBack: true });
      if (step === 'verify') expect(outcome.verification).toMatchObject({ ok: false, servedFingerprint: 'cd'.repeat(32) });
    },
  );

  it('a failure at deploy moved nothing: no rollback, the step and text are kept', async () => {
    const { connector, calls } = fakeConnector('deploy');
    const outcome = await runDeployment(connector, { name: 'x' }, material, ctx);
    expect(calls).toEqual(['deploy']);
    expect(outcome).toMatchObject({ ok: false, failedStep: 'deploy', error: 'disk full', rolledBack: false, files: [] });
  });

  it('a rollback whose reload fails too is reported as not rolled back', async () => {
    const { connector } = fakeConnector('verify', true);
    const outcome = await runDeployment(connector, { name: 'x' }, material, ctx);
    expect(outcome).toMatchObject({ ok: false, failedStep: 'verify', rolledBack: false });
  });

  it('an invalid target configuration fails at config before touching anything', async () => {
    const { connector, calls } = fakeConnector(undefined);
    const outcome = await runDeployment(connector, { nom: 'x' }, material, ctx);
    expect(calls).toEqual([]);
    expect(outcome).toMatchObject({ ok: false, failedStep: 'config', rolledBack: false });
    expect(outcome.error).toMatch(/^invalid fake target configuration: /);
  });
});
