import { AcmeRpc } from './acme';
import { AgentRpc } from './agents';
import { type EventContract, Events, Rpc, type RpcContract } from './contracts';
import { DigestRpc } from './digest';
import { ConfigRpc } from './inventory-config';
import { LifecycleEvents, LifecycleRpc } from './inventory-lifecycle';
import { IssuerCaRpc } from './issuer-ca';
import { IssuerRpc } from './issuers';
import { JobRetryRpc } from './job-retry';
import { NotificationEvents, NotificationRpc } from './notifications';
import { PlatformTlsRpc } from './platform-tls';
import { PrivateKeyRpc } from './private-keys';
import { RevocationEvents, RevocationRpc } from './revocation';
import { SchedulerRpc } from './scheduler';

/** The services on the bus. Each connects to NATS as its own user (docs/architecture.md, "Bus credentials"). */
export const BUS_SERVICES = ['gateway', 'inventory', 'issuance', 'acme', 'revocation', 'scheduler', 'notifications'] as const;
export type BusService = (typeof BUS_SERVICES)[number];

/**
 * The service answering a request/reply subject: the third token of
 * certctl.v1.<service>.<entity>.<verb>. Undefined for event subjects and foreign names.
 */
export function rpcOwnerOf(subject: string): BusService | undefined {
  const owner = subject.split('.')[2];
  return (BUS_SERVICES as readonly string[]).includes(owner) ? (owner as BusService) : undefined;
}

/** What one service does on the bus besides answering the subjects it owns. */
export interface BusUsage {
  /** Request/reply contracts it calls. */
  calls: readonly RpcContract[];
  /** Events it publishes. */
  emits: readonly EventContract[];
  /** Events it subscribes to (queue-group handlers and in-process waiters alike). */
  consumes: readonly EventContract[];
}

const crud = (c: (typeof ConfigRpc)[keyof typeof ConfigRpc]) => [c.create, c.get, c.list, c.update, c.delete];

/**
 * Who calls, emits and consumes what. The NATS permissions of every service are generated
 * from this table and from subject ownership (libs/messaging/src/nats-permissions.ts), so a
 * call missing here is refused by the NATS server. bus-usage.spec.ts reads every app's
 * sources and fails when a call, emit or subscription is not declared here.
 */
export const BUS_USAGE: Record<BusService, BusUsage> = {
  gateway: {
    calls: [
      Rpc.inventory.certificateCreate,
      Rpc.inventory.certificateList,
      Rpc.inventory.certificateGet,
      Rpc.inventory.jobList,
      Rpc.inventory.jobGet,
      Rpc.inventory.jobApprove,
      Rpc.inventory.jobReject,
      Rpc.issuance.issuerList,
      Rpc.issuance.issuerGet,
      LifecycleRpc.certificateUpdate,
      LifecycleRpc.certificateVersions,
      LifecycleRpc.certificateArchive,
      LifecycleRpc.certificateRenew,
      LifecycleRpc.certificateBulkRenew,
      LifecycleRpc.statsSummary,
      JobRetryRpc.retry,
      ...Object.values(ConfigRpc).flatMap(crud),
      AgentRpc.register,
      AgentRpc.list,
      AgentRpc.get,
      AgentRpc.heartbeat,
      AgentRpc.claimWork,
      AgentRpc.jobStatus,
      AgentRpc.submitCsr,
      AgentRpc.job,
      IssuerRpc.create,
      IssuerRpc.hierarchy,
      IssuerRpc.retire,
      IssuerRpc.test,
      IssuerCaRpc.import,
      PrivateKeyRpc.export,
      PlatformTlsRpc.serverCertificateIssue,
      RevocationRpc.revoke,
      RevocationRpc.bulkStart,
      RevocationRpc.bulkGet,
      AcmeRpc.eabCreate,
      AcmeRpc.eabList,
      AcmeRpc.eabDelete,
      AcmeRpc.accountList,
      AcmeRpc.orderList,
      NotificationRpc.counts,
      NotificationRpc.list,
      NotificationRpc.get,
      NotificationRpc.requeue,
      NotificationRpc.channelList,
      NotificationRpc.channelCreate,
      NotificationRpc.ruleList,
      NotificationRpc.ruleCreate,
    ],
    emits: [],
    consumes: [],
  },
  inventory: {
    calls: [Rpc.issuance.issuerGet],
    emits: [
      Events.certificateCreated,
      Events.certificateIssued,
      Events.jobFailed,
      Events.jobApproved,
      Events.jobRejected,
      LifecycleEvents.certificateUpdated,
      LifecycleEvents.certificateRenewed,
      LifecycleEvents.certificateExpired,
      LifecycleEvents.renewalRequested,
    ],
    consumes: [],
  },
  issuance: {
    calls: [Rpc.inventory.jobStart, Rpc.inventory.jobComplete, Rpc.inventory.jobFail, ConfigRpc.profile.get],
    emits: [],
    consumes: [],
  },
  acme: {
    calls: [Rpc.inventory.certificateGet, Rpc.inventory.jobGet, AcmeRpc.inventoryIssue, ConfigRpc.profile.get, RevocationRpc.revoke],
    emits: [],
    consumes: [Events.certificateIssued, Events.jobFailed],
  },
  revocation: {
    calls: [
      Rpc.inventory.certificateGet,
      Rpc.inventory.certificateList,
      Rpc.issuance.issuerGet,
      RevocationRpc.inventoryRevoke,
      RevocationRpc.inventoryBySerial,
      RevocationRpc.crlSign,
      RevocationRpc.ocspResponderIssue,
      IssuerRpc.revoke,
    ],
    emits: [RevocationEvents.certificateRevoked, RevocationEvents.certificateUnrevoked],
    consumes: [],
  },
  scheduler: {
    calls: [
      SchedulerRpc.renewalScanBatch,
      SchedulerRpc.renewalCreateJobs,
      SchedulerRpc.agentMarkOffline,
      SchedulerRpc.jobReapStale,
      SchedulerRpc.certificateMarkExpiry,
      LifecycleRpc.statsSummary,
      DigestRpc.items,
      AcmeRpc.gc,
      RevocationRpc.crlRefresh,
      NotificationRpc.dispatch,
      NotificationRpc.counts,
      NotificationRpc.list,
    ],
    emits: [],
    consumes: [],
  },
  notifications: {
    calls: [Rpc.inventory.certificateGet],
    emits: [NotificationEvents.deadLettered],
    consumes: [Events.jobFailed, Events.certificateIssued, RevocationEvents.certificateRevoked],
  },
};
