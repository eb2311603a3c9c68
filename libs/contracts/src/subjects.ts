/**
 * NATS subjects. Request/reply: certctl.v1.<service>.<entity>.<verb>, owned by one
 * service whose replicas answer in a queue group. Events: certctl.v1.events.<entity>.<past-verb>.
 * Wire names: never rename one; a breaking change is a new versioned subject.
 */
export const Subjects = {
  inventory: {
    certificateCreate: 'certctl.v1.inventory.certificate.create',
    certificateGet: 'certctl.v1.inventory.certificate.get',
    certificateList: 'certctl.v1.inventory.certificate.list',
    jobStart: 'certctl.v1.inventory.job.start',
    jobComplete: 'certctl.v1.inventory.job.complete',
    jobFail: 'certctl.v1.inventory.job.fail',
    jobGet: 'certctl.v1.inventory.job.get',
    jobList: 'certctl.v1.inventory.job.list',
    jobApprove: 'certctl.v1.inventory.job.approve',
    jobReject: 'certctl.v1.inventory.job.reject',
  },
  issuance: {
    issuerGet: 'certctl.v1.issuance.issuer.get',
    issuerList: 'certctl.v1.issuance.issuer.list',
  },
  events: {
    certificateCreated: 'certctl.v1.events.certificate.created',
    certificateIssued: 'certctl.v1.events.certificate.issued',
    jobFailed: 'certctl.v1.events.job.failed',
    jobApproved: 'certctl.v1.events.job.approved',
    jobRejected: 'certctl.v1.events.job.rejected',
  },
} as const;

/** The queue group of a service: replicas of one service share each request. */
export function queueGroupOf(service: string): string {
  return `certctl.${service}`;
}
