import * as barrel from './index';
import { CONTRACTS_BY_OWNER, declaredContracts } from './declared';

describe('contracts filed by owner', () => {
  it('ok/each contract sits in the folder of the service that answers it (an event: of a service that emits it)', () => {
    const misfiled: string[] = [];
    for (const [folder, contracts] of Object.entries(CONTRACTS_BY_OWNER)) {
      const found = declaredContracts(contracts);
      expect(found.rpc.length + found.events.length).toBeGreaterThan(0);
      for (const c of found.rpc) if (c.owner !== folder) misfiled.push(`${c.subject} (owner ${c.owner}) in ${folder}/`);
      for (const e of found.events) if (!e.emitters.includes(folder as never)) misfiled.push(`${e.subject} in ${folder}/`);
    }
    expect(misfiled).toEqual([]);
  });

  it('ok/the names the apps use are the declarations themselves, not copies', () => {
    const declared = declaredContracts();
    const all = new Set<unknown>([...declared.rpc, ...declared.events]);
    const groups = [
      barrel.Rpc.inventory,
      barrel.Rpc.issuance,
      barrel.Events,
      barrel.LifecycleRpc,
      barrel.LifecycleEvents,
      barrel.AgentRpc,
      barrel.JobRetryRpc,
      barrel.DigestRpc,
      barrel.SchedulerRpc,
      barrel.IssuerRpc,
      barrel.IssuerCaRpc,
      barrel.PlatformTlsRpc,
      barrel.PrivateKeyRpc,
      barrel.AcmeRpc,
      barrel.RevocationRpc,
      barrel.RevocationEvents,
      barrel.NotificationRpc,
      barrel.NotificationEvents,
      barrel.GatewayCredentialEvents,
    ];
    const strays = groups.flatMap((group) => Object.values(group).filter((c) => !all.has(c)));
    expect(strays).toEqual([]);
    for (const entity of Object.values(barrel.ConfigRpc))
      for (const verb of ['create', 'get', 'list', 'update', 'delete'] as const) expect(all.has(entity[verb])).toBe(true);
  });

  it('ok/the wire subjects are the ones the apps have always used', () => {
    expect(barrel.Rpc.inventory.jobGet.subject).toBe('certctl.v1.inventory.job.get');
    expect(barrel.SchedulerRpc.renewalScanBatch.subject).toBe('certctl.v1.inventory.renewal.scan-batch');
    expect(barrel.AcmeRpc.gc.subject).toBe('certctl.v1.acme.gc');
    expect(barrel.ConfigRpc.renewal_policy.get.subject).toBe('certctl.v1.inventory.renewal_policy.get');
    expect(barrel.NotificationEvents.deadLettered.subject).toBe('certctl.v1.events.notification.dead-lettered');
    expect(declaredContracts().rpc).toHaveLength(148); // 90 + ACME issued version (1) + issuer types (1) + private-key import (1) + job cancel, certificate import (2) + ACME profile settings (2) + channel/rule get, update, delete, test (7) + agent retire (1) + health checks (11) + discovery (6) + network scan targets (8) + job await-ca (1) + re-issuance campaigns and capacity (8) + enrollment profiles and enrollments (8) + SCEP RA certificate (1)
    expect(barrel.AuditEvents.recorded.subject).toBe('certctl.v1.events.audit.recorded');
    expect(declaredContracts().events).toHaveLength(20); // + job.cancelled, health.status-changed, discovery found, claimed, dismissed + the gateway's api_key.changed, agent.retired
  });
});
