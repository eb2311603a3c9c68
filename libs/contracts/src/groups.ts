import { AcmeAccount, AcmeEab, AcmeOrder, AcmeProfileSettings } from './acme';
import {
  InventoryAcme,
  InventoryAgent,
  InventoryCertificate,
  InventoryConfig,
  InventoryDigest,
  InventoryEnrollment,
  InventoryJob,
  InventoryRenewal,
  InventoryStats,
} from './inventory';
import { IssuanceCrl, IssuanceIssuer, IssuanceOcspResponder, IssuancePrivateKey, IssuanceServerCertificate } from './issuance';
import { NotificationsAlert, NotificationsChannel, NotificationsNotification, NotificationsRule } from './notifications';
import { RevocationBulk, RevocationCertificate, RevocationCrl } from './revocation';

/*
 * The names the apps call contracts by (`Rpc.inventory.jobGet`, `LifecycleRpc.certificateRenew`,
 * `Events.jobFailed`, …). No contract is declared here: every entry is the declaration filed
 * under its owner (./<owner>/<entity>.ts).
 */

const cert = InventoryCertificate;
const job = InventoryJob;

export const Rpc = {
  inventory: {
    certificateCreate: cert.create,
    certificateGet: cert.get,
    certificateList: cert.list,
    jobStart: job.start,
    jobComplete: job.complete,
    jobFail: job.fail,
    jobGet: job.get,
    jobList: job.list,
    jobApprove: job.approve,
    jobReject: job.reject,
    enrollmentIssue: InventoryEnrollment.issue,
  },
  issuance: { issuerGet: IssuanceIssuer.get, issuerList: IssuanceIssuer.list },
} as const;

export const Events = {
  certificateCreated: cert.created,
  certificateIssued: cert.issued,
  jobApproved: job.approved,
  jobRejected: job.rejected,
  jobFailed: job.failed,
} as const;

export const LifecycleRpc = {
  certificateVersions: cert.versions,
  certificateUpdate: cert.update,
  certificateRenew: cert.renew,
  certificateBulkRenew: cert.bulkRenew,
  certificateArchive: cert.archive,
  statsSummary: InventoryStats.summary,
} as const;

export const LifecycleEvents = {
  certificateUpdated: cert.updated,
  certificateRenewed: cert.renewed,
  certificateExpired: cert.expired,
  renewalRequested: cert.renewalRequested,
} as const;

export const JobRetryRpc = { retry: job.retry } as const;
const agent = InventoryAgent;
export const AgentRpc = {
  register: agent.register,
  heartbeat: agent.heartbeat,
  get: agent.get,
  list: agent.list,
  claimWork: agent.claimWork,
  submitCsr: agent.submitCsr,
  job: agent.job,
  jobStatus: agent.jobStatus,
  retire: agent.retire,
} as const;
export const ConfigRpc = InventoryConfig;
export const DigestRpc = InventoryDigest;

export const SchedulerRpc = {
  renewalScanBatch: InventoryRenewal.scanBatch,
  renewalCreateJobs: InventoryRenewal.createJobs,
  agentMarkOffline: InventoryAgent.markOffline,
  jobReapStale: job.reapStale,
  certificateMarkExpiry: cert.markExpiry,
} as const;

export const IssuerRpc = {
  create: IssuanceIssuer.create,
  hierarchy: IssuanceIssuer.hierarchy,
  retire: IssuanceIssuer.retire,
  test: IssuanceIssuer.test,
  revoke: IssuanceIssuer.revoke,
} as const;
export const IssuerCaRpc = { import: IssuanceIssuer.import } as const;
export const PlatformTlsRpc = { serverCertificateIssue: IssuanceServerCertificate.issue } as const;
export const PrivateKeyRpc = { export: IssuancePrivateKey.export } as const;

export const AcmeRpc = {
  inventoryIssue: InventoryAcme.issue,
  inventoryIssued: InventoryAcme.issued,
  eabCreate: AcmeEab.create,
  eabList: AcmeEab.list,
  eabDelete: AcmeEab.delete,
  accountList: AcmeAccount.list,
  orderList: AcmeOrder.list,
  gc: AcmeOrder.gc,
  profileGet: AcmeProfileSettings.get,
  profileSetDefaults: AcmeProfileSettings.setDefaults,
} as const;

export const RevocationRpc = {
  revoke: RevocationCertificate.revoke,
  bulkStart: RevocationBulk.start,
  bulkGet: RevocationBulk.get,
  crlRefresh: RevocationCrl.refresh,
  inventoryRevoke: cert.revoke,
  inventoryBySerial: cert.bySerial,
  crlSign: IssuanceCrl.sign,
  ocspResponderIssue: IssuanceOcspResponder.issue,
} as const;
export const RevocationEvents = {
  certificateRevoked: RevocationCertificate.revoked,
  certificateUnrevoked: RevocationCertificate.unrevoked,
} as const;

export const NotificationRpc = {
  dispatch: NotificationsAlert.dispatch,
  list: NotificationsNotification.list,
  get: NotificationsNotification.get,
  requeue: NotificationsNotification.requeue,
  counts: NotificationsNotification.counts,
  channelCreate: NotificationsChannel.create,
  channelList: NotificationsChannel.list,
  ruleCreate: NotificationsRule.create,
  ruleList: NotificationsRule.list,
} as const;
export const NotificationEvents = { deadLettered: NotificationsNotification.deadLettered } as const;
