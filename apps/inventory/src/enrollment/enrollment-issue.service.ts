import { Injectable } from '@nestjs/common';
import { AppError, InventoryEnrollment, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { parseCsr, translatePkiErrors } from '@certctl/pki';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { ManagedIssueService } from '../managed-issue/managed-issue.service';
import { EnrollmentProfileRepository } from './enrollment-profile.repository';
import { EnrollmentProfileService } from './enrollment-profile.service';

type IssueRequest = RpcRequestParsed<typeof InventoryEnrollment.issue>;
type IssueResponse = RpcResponse<typeof InventoryEnrollment.issue>;
const OPEN_JOB = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] as const;

/**
 * Records one EST or SCEP enrollment: the enrollment profile (enabled) decides where the
 * certificate lands (its certificate profile, issuer, owner, team, renewal policy); the
 * certificate profile's SAN and key rules are checked; the certificate is new (source = the
 * protocol, tagged with the enrollment profile's label) or a new version of the one re-enrolled.
 */
@Injectable()
export class EnrollmentIssueService {
  constructor(
    private readonly profiles: EnrollmentProfileService,
    private readonly repo: EnrollmentProfileRepository,
    private readonly managed: ManagedIssueService,
  ) {}

  async issue(req: IssueRequest): Promise<IssueResponse> {
    const profile = await this.profiles.row(req.enrollment_profile_id);
    if (profile.protocol !== req.protocol) throw AppError.notFound(`${req.protocol} enrollment profile`, req.enrollment_profile_id);
    if (!profile.enabled) throw new AppError('conflict', `${req.protocol} enrollment profile ${profile.label} is disabled`);
    const csr = await translatePkiErrors(() => parseCsr(req.csr_pem), { field: 'csr_pem' });
    if (!csr.signatureValid) throw AppError.validation([{ field: 'csr_pem', message: 'its signature does not verify' }]);
    const renewed = req.renews_certificate_id;
    return this.managed.issue({
      idempotencyKey: `${req.protocol}:${profile.id}:${req.request_id}`,
      actor: req.client,
      source: req.protocol,
      commonName: req.common_name,
      sans: req.sans,
      csrPem: req.csr_pem,
      issuerId: profile.issuerId,
      profileId: profile.profileId,
      ownerId: profile.ownerId,
      teamId: profile.teamId,
      renewalPolicyId: profile.renewalPolicyId,
      tags: { enrollment_profile: profile.label },
      key: { type: csr.keyType, size: csr.keySize },
      findRenewable: async (_names, tx) => {
        if (!renewed) return undefined;
        const lookup = { id: renewed, source: req.protocol, label: profile.label };
        const id = await this.repo.lockRenewable(
          { ...lookup, renewableFrom: statusesLeadingTo('renewal_in_progress'), openJobStatuses: OPEN_JOB },
          tx,
        );
        if (!id)
          throw new AppError(
            'conflict',
            `certificate ${renewed} cannot be re-enrolled now (not this profile's, or a renewal is already open)`,
          );
        return id;
      },
      certificateName: (id) => `${req.protocol}-${profile.label}-${id}`,
      context: { protocol: req.protocol, enrollment_profile: profile.label, client: req.client },
    });
  }

  /** The profile's current certificate with this fingerprint (what a client authenticates a re-enrollment with). */
  async renewable(req: RpcRequestParsed<typeof InventoryEnrollment.renewable>): Promise<RpcResponse<typeof InventoryEnrollment.renewable>> {
    const profile = await this.profiles.row(req.enrollment_profile_id);
    const cert = await this.repo.findCurrentByFingerprint(profile.protocol, profile.label, req.fingerprint_sha256);
    if (!cert)
      throw AppError.notFound(`current certificate of enrollment profile ${profile.label} with fingerprint`, req.fingerprint_sha256);
    return { certificate_id: cert.id, common_name: cert.commonName, sans: cert.sans };
  }
}
