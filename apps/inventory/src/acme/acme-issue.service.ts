import { Injectable } from '@nestjs/common';
import { AcmeRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { statusesLeadingTo } from '../certificates/certificate-state';
import { ManagedIssueService } from '../managed-issue/managed-issue.service';
import { AcmeIssueRepository } from './acme-issue.repository';

export type IssueRequest = RpcRequestParsed<typeof AcmeRpc.inventoryIssue>;
type IssueResponse = RpcResponse<typeof AcmeRpc.inventoryIssue>;
type IssuedResponse = RpcResponse<typeof AcmeRpc.inventoryIssued>;
const OPEN_JOB = ['pending', 'awaiting_approval', 'awaiting_csr', 'running'] as const;

/**
 * Records what an ACME order issues: the managed certificate (source `acme`, tagged with
 * its account and order) and one job carrying the client's CSR. The order id is the job's
 * idempotency key, so a repeated finalize never queues a second signing. An account that
 * already holds a certificate for exactly these names gets a new version of it (a renewal).
 */
@Injectable()
export class AcmeIssueService {
  constructor(
    private readonly repo: AcmeIssueRepository,
    private readonly managed: ManagedIssueService,
  ) {}

  issue(req: IssueRequest): Promise<IssueResponse> {
    const actor = `acme:${req.account_id}`;
    return this.managed.issue({
      idempotencyKey: `acme:${req.order_id}`,
      actor,
      source: 'acme',
      commonName: req.common_name,
      sans: req.sans,
      csrPem: req.csr_pem,
      issuerId: req.issuer_id,
      profileId: req.profile_id,
      ownerId: req.owner_id,
      teamId: req.team_id,
      renewalPolicyId: req.renewal_policy_id,
      tags: { acme_account_id: req.account_id, acme_order_id: req.order_id },
      findRenewable: (names, tx) =>
        this.repo.lockRenewable(
          {
            accountId: req.account_id,
            profileId: req.profile_id,
            names,
            renewableFrom: statusesLeadingTo('renewal_in_progress'),
            openJobStatuses: OPEN_JOB,
          },
          tx,
        ),
      certificateName: () => `acme-${req.order_id}`,
      context: { order_id: req.order_id, account_id: req.account_id },
    });
  }

  /** The certificate the order's job stored: one indexed read, for the finalize its certificate-issued event woke. */
  async issued(jobId: string): Promise<IssuedResponse> {
    const version = await this.repo.findVersionOfJob(jobId);
    return {
      version: version && { serial_number: version.serialNumber, certificate_pem: version.certificatePem, chain_pem: version.chainPem },
    };
  }
}
