import { SEVERITY_RANK, type Severity } from '@certctl/contracts';

export interface RuleLike {
  id: string;
  renewalPolicyId: string | null;
  teamId: string | null;
  ownerId: string | null;
  events: string[];
  minSeverity: string;
  channelIds: string[];
  enabled: boolean;
}

export interface AlertTarget {
  event: string;
  severity: Severity;
  certificate?: { renewal_policy_id?: string; team_id?: string; owner_id?: string };
}

/** True when the rule selects this alert: event listed, severity high enough, every set selector equal. */
export function ruleMatches(rule: RuleLike, alert: AlertTarget): boolean {
  if (!rule.enabled || !rule.events.includes(alert.event)) return false;
  if (SEVERITY_RANK[alert.severity] < (SEVERITY_RANK[rule.minSeverity as Severity] ?? 0)) return false;
  const c = alert.certificate;
  if (rule.renewalPolicyId && rule.renewalPolicyId !== c?.renewal_policy_id) return false;
  if (rule.teamId && rule.teamId !== c?.team_id) return false;
  if (rule.ownerId && rule.ownerId !== c?.owner_id) return false;
  return true;
}

/** Channel ids that receive the alert, each once however many rules select it. */
export function routeAlert(rules: readonly RuleLike[], alert: AlertTarget): string[] {
  const out = new Set<string>();
  for (const r of rules) if (ruleMatches(r, alert)) r.channelIds.forEach((c) => out.add(c));
  return [...out];
}

/** One row per (alert dedupe key, channel): the unique index turns a second dispatch into a no-op. */
export function dedupeKeyFor(alertKey: string | undefined, channelId: string): string | null {
  return alertKey ? `${alertKey}|${channelId}` : null;
}

/** Where an alert goes, and what disabled rules and channels kept from it (counted, never stored). */
export interface RouteOutcome {
  channelIds: string[];
  /** Disabled rules that would have selected the alert. */
  disabledRules: string[];
  /** Disabled channels an enabled rule routed the alert to. */
  disabledChannels: string[];
}

/**
 * routeAlert over every rule, enabled or not: enabled rules route, disabled ones only report that
 * they matched; a channel routed to that is disabled is reported instead of delivered to.
 * `channelEnabled` answers undefined for a channel that no longer exists (ignored).
 */
export function routeAlertExplained(
  rules: readonly RuleLike[],
  channelEnabled: (channelId: string) => boolean | undefined,
  alert: AlertTarget,
): RouteOutcome {
  const disabledRules = rules.filter((r) => !r.enabled && ruleMatches({ ...r, enabled: true }, alert)).map((r) => r.id);
  const out: RouteOutcome = { channelIds: [], disabledRules, disabledChannels: [] };
  for (const channelId of routeAlert(rules, alert)) {
    const enabled = channelEnabled(channelId);
    if (enabled === true) out.channelIds.push(channelId);
    else if (enabled === false) out.disabledChannels.push(channelId);
  }
  return out;
}
