import type { IssuerTreeNode } from '@certctl/contracts';
import { campaignProgress, startBudget } from './reissuance-progress';
import { ITEM_TRANSITIONS, afterIssued, afterRevoked, afterVerified, assertCampaignTransition, retryFrom } from './reissuance-state';
import { verificationProblem } from './reissuance-driver.service';
import { dryRunItem, flatten } from './reissuance.service';

describe('re-issuance campaign progress', () => {
  it('ok/counts, remaining, observed rate and ETA from the rate of the last minutes', () => {
    const p = campaignProgress({
      counts: { pending: 50, renewing: 5, deploying: 3, revoking: 2, done: 30, failed: 10 },
      finishedInWindow: 40,
      windowMinutes: 2,
      ratePerMinute: 100,
    });
    expect(p).toEqual({
      total: 100,
      pending: 50,
      in_progress: 10,
      done: 30,
      failed: 10,
      cancelled: 0,
      remaining: 60,
      rate_per_minute: 20,
      eta_seconds: 180,
    });
  });

  it('ok/before anything finished the ETA uses the configured rate; nothing remaining: no ETA', () => {
    expect(campaignProgress({ counts: { pending: 100 }, finishedInWindow: 0, windowMinutes: 1, ratePerMinute: 50 }).eta_seconds).toBe(120);
    expect(campaignProgress({ counts: { done: 3, cancelled: 1 }, finishedInWindow: 3, windowMinutes: 1, ratePerMinute: 50 })).toMatchObject(
      {
        remaining: 0,
        eta_seconds: null,
        total: 4,
      },
    );
  });

  it('ok/the start budget spreads the rate over the minute: a tenth per window minus what started in it, capped, never negative', () => {
    expect(startBudget(100, 3, 1000)).toBe(7);
    expect(startBudget(100, 13, 1000)).toBe(0);
    expect(startBudget(5, 0, 1000)).toBe(1); // a slow campaign still starts one per window
    expect(startBudget(100000, 0, 1000)).toBe(1000);
  });
});

describe('re-issuance item lifecycle', () => {
  it('ok/without force the old version is revoked only after verification; with force right after issuance', () => {
    expect(afterIssued(false, 'keyCompromise')).toBe('deploying');
    expect(afterVerified(false, 'keyCompromise')).toBe('revoking');
    expect(afterVerified(false, null)).toBe('done');
    expect(afterIssued(true, 'keyCompromise')).toBe('revoking');
    expect(afterRevoked(true)).toBe('deploying');
    expect(afterVerified(true, 'keyCompromise')).toBe('done');
    expect(afterRevoked(false)).toBe('done');
    // Nothing goes from pending or renewing straight to done: a replacement is always verified first.
    expect(ITEM_TRANSITIONS.pending).not.toContain('done');
    expect(ITEM_TRANSITIONS.renewing).not.toContain('done');
  });

  it('ok/a retry restarts where the item failed', () => {
    expect(retryFrom({ newVersionId: null }, { forceRevoke: false, revokeOld: 'superseded' })).toBe('pending');
    expect(retryFrom({ newVersionId: 'ver-1' }, { forceRevoke: false, revokeOld: 'superseded' })).toBe('deploying');
    expect(retryFrom({ newVersionId: 'ver-1' }, { forceRevoke: true, revokeOld: 'keyCompromise' })).toBe('revoking');
  });

  it('err/a cancelled or completed campaign cannot be paused', () => {
    expect(() => assertCampaignTransition('rc-1', 'cancelled', 'running')).toThrow(/cannot go from cancelled to running/);
    expect(() => assertCampaignTransition('rc-1', 'completed', 'paused')).toThrow(/illegal|cannot/);
  });

  it('ok/verification: failed deployment, wrong issuer or an expired replacement fail the item', () => {
    const ok = { failed: 0, error: null, issuer_id: 'iss-new', not_after: new Date(Date.now() + 86400000) };
    expect(verificationProblem(ok, 'iss-new')).toBeNull();
    expect(verificationProblem(ok, null)).toBeNull();
    expect(verificationProblem({ ...ok, failed: 1, error: 'nginx reload failed' }, null)).toBe('deployment failed: nginx reload failed');
    expect(verificationProblem({ ...ok, issuer_id: 'iss-old' }, 'iss-new')).toBe('replacement was issued by iss-old, not iss-new');
    expect(verificationProblem({ ...ok, not_after: new Date(0) }, null)).toBe('replacement is already expired');
  });

  it('ok/a dry run lists the steps for each certificate', () => {
    const cert = { id: 'crt-1', name: 'www', issuer_id: 'iss-old', serial_number: 'ab12', targets: 2 };
    expect(dryRunItem(cert, { new_issuer_id: 'iss-new', revoke_old: 'keyCompromise', force_revoke: false })).toEqual({
      new_issuer_id: 'iss-new',
      steps: [
        'issue a replacement from iss-new',
        'deploy it to 2 target(s) through their agents',
        'verify the replacement (issuer, validity, deployments)',
        'revoke the old version ab12 (keyCompromise) after verification',
      ],
    });
    expect(dryRunItem({ ...cert, targets: 0 }, { revoke_old: null, force_revoke: false }).steps).toEqual([
      'issue a replacement from iss-old',
      'no deployment target: nothing to deploy',
      'verify the replacement (issuer, validity, deployments)',
    ]);
  });

  it('ok/an issuer selects its whole subtree: every intermediate and issuing CA under it', () => {
    const node = (id: string, children: IssuerTreeNode[] = []): IssuerTreeNode => ({
      id,
      name: id,
      enabled: true,
      subject: null,
      not_after: null,
      children,
    });
    const leaf = (id: string) => node(id);
    expect(flatten(node('mid', [node('issuing-a', [leaf('deep')]), leaf('issuing-b')]))).toEqual(['mid', 'issuing-a', 'deep', 'issuing-b']);
  });
});
