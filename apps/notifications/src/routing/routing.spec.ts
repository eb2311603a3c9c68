import { dedupeKeyFor, routeAlert, routeAlertExplained, ruleMatches, type RuleLike } from './routing';

const rule = (over: Partial<RuleLike> = {}): RuleLike => ({
  id: 'r1',
  renewalPolicyId: null,
  teamId: null,
  ownerId: null,
  events: ['certificate.expiring'],
  minSeverity: 'info',
  channelIds: ['ch-a'],
  enabled: true,
  ...over,
});
const alert = {
  event: 'certificate.expiring',
  severity: 'warning' as const,
  certificate: { renewal_policy_id: 'pol-1', team_id: 'team-1', owner_id: 'own-1' },
};

describe('ruleMatches', () => {
  it.each([
    ['ok/a rule without selectors matches every certificate', rule(), true],
    ['ok/team selector equal', rule({ teamId: 'team-1' }), true],
    ['ok/policy and owner selectors equal', rule({ renewalPolicyId: 'pol-1', ownerId: 'own-1' }), true],
    ['fail/other team', rule({ teamId: 'team-2' }), false],
    ['fail/other event', rule({ events: ['renewal.failed'] }), false],
    ['fail/severity below the minimum', rule({ minSeverity: 'critical' }), false],
    ['fail/disabled', rule({ enabled: false }), false],
  ])('%s', (_name, r, expected) => {
    expect(ruleMatches(r, alert)).toBe(expected);
  });
});

describe('routeAlert', () => {
  it('ok/a channel selected by two rules receives the alert once', () => {
    const rules = [rule({ id: 'r1', channelIds: ['ch-a', 'ch-b'] }), rule({ id: 'r2', teamId: 'team-1', channelIds: ['ch-b'] })];
    expect(routeAlert(rules, alert).sort()).toEqual(['ch-a', 'ch-b']);
  });

  it('fail/no matching rule routes nowhere', () => {
    expect(routeAlert([rule({ teamId: 'team-9' })], alert)).toEqual([]);
  });
});

describe('dedupeKeyFor', () => {
  it('ok/one key per alert and channel', () => {
    expect(dedupeKeyFor('expiring:c1:v1:7d', 'ch-a')).not.toBe(dedupeKeyFor('expiring:c1:v1:7d', 'ch-b'));
    expect(dedupeKeyFor('expiring:c1:v1:7d', 'ch-a')).toBe(dedupeKeyFor('expiring:c1:v1:7d', 'ch-a'));
  });

  it('fail/an alert without a key is not deduplicated', () => {
    expect(dedupeKeyFor(undefined, 'ch-a')).toBeNull();
  });
});

describe('routeAlertExplained', () => {
  const enabled: Record<string, boolean> = { 'ch-a': true, 'ch-off': false, 'ch-b': true };
  const state = (id: string) => enabled[id];

  it('ok/enabled rules route to enabled channels; a disabled channel and a matching disabled rule are reported, not routed', () => {
    const out = routeAlertExplained(
      [rule({ channelIds: ['ch-a', 'ch-off', 'ch-gone'] }), rule({ id: 'r-off', enabled: false, channelIds: ['ch-b'] })],
      state,
      alert,
    );
    expect(out).toEqual({ channelIds: ['ch-a'], disabledRules: ['r-off'], disabledChannels: ['ch-off'] });
  });

  it('ok/a disabled rule that would not match anyway is not reported', () => {
    const out = routeAlertExplained([rule({ id: 'r-off', enabled: false, teamId: 'team-2', channelIds: ['ch-b'] })], state, alert);
    expect(out).toEqual({ channelIds: [], disabledRules: [], disabledChannels: [] });
  });
});
