import { AppError } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { BUSY_REASON, type CertificateLifecycleService } from '../certificates/certificate-lifecycle.service';
import type { ReissuanceDriverRepository } from './reissuance-driver.repository';
import { ReissuanceDriver } from './reissuance-driver.service';
import type { CampaignRow } from './reissuance.repository';

const campaign = (over: Partial<CampaignRow> = {}): CampaignRow => ({
  id: 'rc-1',
  status: 'running',
  selector: {},
  newIssuerId: 'iss-new',
  revokeOld: 'keyCompromise',
  forceRevoke: false,
  ratePerMinute: 600,
  total: 3,
  createdBy: 'alice',
  createdAt: new Date(),
  updatedAt: new Date(),
  completedAt: null,
  ...over,
});

/** A driver over a fake repository (every method a jest mock with a harmless default). */
function driverWith(over: Partial<Record<keyof ReissuanceDriverRepository, jest.Mock>> = {}, rpcRequest = jest.fn()) {
  const repo = {
    transaction: jest.fn((fn: (tx: unknown) => unknown) => fn('tx')),
    running: jest.fn(async () => [campaign()]),
    isRunning: jest.fn(async () => true),
    startedSince: jest.fn(async () => 0),
    lockPending: jest.fn(async () => []),
    currentVersions: jest.fn(async () => []),
    moveToIssuer: jest.fn(),
    markStarted: jest.fn(),
    move: jest.fn(async (ids: string[]) => ids.length),
    markIssued: jest.fn(),
    renewing: jest.fn(async () => []),
    deploying: jest.fn(async () => []),
    revoking: jest.fn(async () => []),
    openItems: jest.fn(async () => 1),
    completeIfRunning: jest.fn(async () => true),
    ...over,
  };
  const lifecycle = {
    renewalsWithin: jest.fn(async (_actor: unknown, ids: string[]) => ({
      rows: [],
      jobs: ids.filter((id) => id !== 'c-busy').map((id) => ({ certificate_id: id, job_id: `job-${id}`, status: 'pending' })),
      skipped: ids.includes('c-busy') ? [{ certificate_id: 'c-busy', reason: BUSY_REASON }] : [],
    })),
    afterRenewals: jest.fn(async () => undefined),
  };
  const driver = new ReissuanceDriver(
    repo as unknown as ReissuanceDriverRepository,
    lifecycle as unknown as CertificateLifecycleService,
    { request: rpcRequest } as unknown as RpcClient,
  );
  return { driver, repo, lifecycle };
}

describe('re-issuance driver', () => {
  it('ok/starts pending items through the renewal path with one idempotency key per item and attempt, moving them to the new issuer', async () => {
    const { driver, repo, lifecycle } = driverWith({
      lockPending: jest.fn(async () => [
        { id: 'rc-1-000001', certificate_id: 'c1', attempt: 0 },
        { id: 'rc-1-000002', certificate_id: 'c-busy', attempt: 2 },
      ]),
      currentVersions: jest.fn(async () => [{ certificate_id: 'c1', version_id: 'v1', serial_number: 'aa', issuer_id: 'iss-old' }]),
    });
    const summary = await driver.tick();
    expect(repo.lockPending).toHaveBeenCalledWith('rc-1', 60, 'tx'); // a tenth of 600 a minute per window
    const keys = (lifecycle.renewalsWithin.mock.calls[0] as unknown[])[4] as Map<string, string>;
    expect([...keys]).toEqual([
      ['c1', 'reissue:rc-1-000001:0'],
      ['c-busy', 'reissue:rc-1-000002:2'],
    ]);
    expect(repo.moveToIssuer).toHaveBeenCalledWith(['c1'], 'iss-new', 'tx');
    expect(repo.markStarted).toHaveBeenCalledWith(
      [{ itemId: 'rc-1-000001', jobId: 'job-c1', oldVersionId: 'v1', oldSerial: 'aa', oldIssuerId: 'iss-old' }],
      'tx',
    );
    // The busy certificate stays pending for a later round: nothing failed.
    expect(repo.move).not.toHaveBeenCalledWith(['rc-1-000002'], 'pending', 'failed', expect.anything(), 'tx');
    expect(lifecycle.afterRenewals).toHaveBeenCalledTimes(1);
    expect(summary).toMatchObject({ campaigns: 1, started: 1, failed: 0 });
  });

  it('ok/a campaign paused during a round stops at the next phase', async () => {
    const isRunning = jest.fn().mockResolvedValueOnce(true).mockResolvedValue(false);
    const { driver, repo } = driverWith({ isRunning });
    await driver.tick();
    expect(repo.lockPending).toHaveBeenCalledTimes(1); // the start phase ran; the pause landed after it
    expect(repo.renewing).not.toHaveBeenCalled();
    expect(repo.deploying).not.toHaveBeenCalled();
    expect(repo.revoking).not.toHaveBeenCalled();
  });

  it('ok/the old version is revoked with its own issuer and serial; a permanent refusal fails the item, a timeout is retried later', async () => {
    const rpc = jest
      .fn()
      .mockResolvedValueOnce({})
      .mockRejectedValueOnce(new AppError('not_found', 'certificate version c2/bb not found'))
      .mockRejectedValueOnce(new AppError('timeout', 'no answer'));
    const { driver, repo } = driverWith(
      {
        revoking: jest.fn(async () => [
          { id: 'i1', certificate_id: 'c1', old_serial: 'aa', old_issuer_id: 'iss-old' },
          { id: 'i2', certificate_id: 'c2', old_serial: 'bb', old_issuer_id: 'iss-old' },
          { id: 'i3', certificate_id: 'c3', old_serial: 'cc', old_issuer_id: 'iss-old' },
        ]),
      },
      rpc,
    );
    const summary = await driver.tick();
    expect(rpc.mock.calls[0]![1]).toEqual({
      actor: { principal: 'inventory:reissuance:rc-1', role: 'system' },
      certificate_id: 'c1',
      reason: 'keyCompromise',
      serial_number: 'aa',
      issuer_id: 'iss-old',
    });
    expect(repo.move).toHaveBeenCalledWith(['i1'], 'revoking', 'done');
    expect(repo.move).toHaveBeenCalledWith(['i2'], 'revoking', 'failed', { lastError: 'revocation: certificate version c2/bb not found' });
    expect(repo.move).not.toHaveBeenCalledWith(['i3'], expect.anything(), expect.anything(), expect.anything());
    expect(summary).toMatchObject({ revoked: 1, failed: 1 });
  });

  it('ok/issued replacements go to deploying; failed renewal jobs fail the item with the job error; a campaign with nothing open completes', async () => {
    const { driver, repo } = driverWith({
      renewing: jest.fn(async () => [
        { id: 'i1', job_status: 'completed', last_error: null, version_id: 'v2' },
        { id: 'i2', job_status: 'failed', last_error: 'CA unreachable', version_id: null },
      ]),
      openItems: jest.fn(async () => 0),
    });
    await driver.tick();
    expect(repo.markIssued).toHaveBeenCalledWith([{ id: 'i1', versionId: 'v2' }], 'deploying');
    expect(repo.move).toHaveBeenCalledWith(['i2'], 'renewing', 'failed', { lastError: 'renewal job failed: CA unreachable' });
    expect(repo.completeIfRunning).toHaveBeenCalledWith('rc-1');
  });
});
