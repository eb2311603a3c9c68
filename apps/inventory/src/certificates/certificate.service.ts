import { Inject, Injectable } from '@nestjs/common';
import { AppError, Events, type FieldError, Rpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { decodeIdCursor, encodeIdCursor, newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { type SanRules, checkSanRules, isSpoofedName } from '@certctl/pki';
import { initialJobStatus } from '../jobs/initial-status';
import { JobService } from '../jobs/job.service';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { toCertificateDto, toSummaryDto } from './certificate.mapper';
import { type OpenJob, toRenewalDto } from './certificate-renewal';
import { CertificateRepository, type IssuanceProfile } from './certificate.repository';
import { issuerExists } from './issuer-exists';

type CreateRequest = RpcRequestParsed<typeof Rpc.inventory.certificateCreate>;
type ListRequest = RpcRequestParsed<typeof Rpc.inventory.certificateList>;
type CreateBody = CreateRequest['certificate'];
type Actor = CreateRequest['actor'];

/** What a new certificate references, as found (null: missing). */
interface References {
  policy: { id: string; maxRetries: number } | null;
  profile: IssuanceProfile | null;
  ownerFound: boolean;
  teamFound: boolean;
  issuerFound: boolean;
  agentFound: boolean;
}

/** The ids of a created certificate and its issuance job, and where the job starts. */
interface CreatedIds {
  certId: string;
  jobId: string;
  jobStatus: ReturnType<typeof initialJobStatus>;
  traceparent: string | undefined;
}

@Injectable()
export class CertificateService {
  constructor(
    private readonly repo: CertificateRepository,
    private readonly rpc: RpcClient,
    private readonly jobs: JobService,
    @Inject(INVENTORY_CONFIG) private readonly config: Pick<InventoryConfig, 'CERTCTL_RENEWAL_JITTER_MAX_MS'>,
  ) {}

  /** Validates every reference (each problem named), writes the certificate with its issuance job, queues it and tells the bus. */
  async create({ actor, certificate: body }: CreateRequest): Promise<RpcResponse<typeof Rpc.inventory.certificateCreate>> {
    const refs = await this.findReferences(body);
    const problems = [...referenceProblems(body, refs), ...(await missingTargets(this.repo, body.target_ids))];
    if (problems.length) throw AppError.validation(problems, 'The certificate cannot be created as given; each problem is named.');
    const ids: CreatedIds = {
      certId: newId('cert'),
      jobId: newId('job'),
      jobStatus: initialJobStatus(refs.profile),
      traceparent: this.jobs.traceparent(),
    };
    const created = await this.repo.insertWithIssuanceJob({
      certificate: certificateColumns(ids.certId, body, actor),
      targetIds: [...new Set(body.target_ids)],
      job: {
        id: ids.jobId,
        type: 'issuance',
        status: ids.jobStatus,
        agentId: body.agent_id ?? null,
        certificateId: ids.certId,
        requestedBy: actor.principal,
        requestedByKeyId: actor.key_id ?? null,
        requestedByOwner: actor.owner_key_id ?? null,
        maxAttempts: refs.policy!.maxRetries,
        traceparent: ids.traceparent,
      },
    });
    await this.startIssuance(ids, actor);
    await this.rpc.emit(Events.certificateCreated, { certificate_id: ids.certId, job_id: ids.jobId, actor: actor.principal });
    return { certificate: toCertificateDto(created, null, [...new Set(body.target_ids)]), job_id: ids.jobId };
  }

  private async findReferences(body: CreateBody): Promise<References> {
    const [ownerFound, teamFound, policy, profile, issuerFound] = await Promise.all([
      this.repo.ownerExists(body.owner_id),
      this.repo.teamExists(body.team_id),
      this.repo.findRenewalPolicy(body.renewal_policy_id),
      body.profile_id ? this.repo.findIssuanceProfile(body.profile_id) : Promise.resolve(null),
      this.issuerExists(body.issuer_id),
    ]);
    const agentFound = body.agent_id ? await this.repo.agentExists(body.agent_id) : true;
    return { ownerFound, teamFound, policy, profile, issuerFound, agentFound };
  }

  /** Logs where the issuance job starts and queues it when it is ready now. */
  private async startIssuance({ certId, jobId, jobStatus, traceparent }: CreatedIds, actor: Actor): Promise<void> {
    if (jobStatus !== 'pending') {
      getLogger().info(
        { certificate_id: certId, job_id: jobId, actor: actor.principal, job_status: jobStatus },
        'certificate created; issuance waits',
      );
      return;
    }
    getLogger().info({ certificate_id: certId, job_id: jobId, actor: actor.principal }, 'certificate created; issuance job queued');
    try {
      await this.jobs.enqueueIssuance(jobId, certId, traceparent);
    } catch (err) {
      // The job row is the record; reconciliation re-queues it when Redis is back.
      getLogger().warn({ job_id: jobId, err: (err as Error).message }, 'could not queue issuance job now; reconciliation will');
    }
  }

  private issuerExists(id: string): Promise<boolean> {
    return issuerExists(this.rpc, id);
  }

  async get(id: string): Promise<RpcResponse<typeof Rpc.inventory.certificateGet>> {
    const cert = await this.repo.findById(id);
    if (!cert) throw AppError.notFound('certificate', id);
    const [version, targetIds, [policy], [job]] = await Promise.all([
      cert.currentVersionId ? this.repo.findVersion(cert.currentVersionId) : null,
      this.repo.targetIdsOf(id),
      this.repo.renewalPolicies([cert.renewalPolicyId]),
      this.repo.openRenewalJobs([id]),
    ]);
    const renewal = toRenewalDto(
      cert,
      version,
      policy ?? null,
      (job as OpenJob | undefined) ?? null,
      this.config.CERTCTL_RENEWAL_JITTER_MAX_MS,
    );
    return toCertificateDto(cert, version, targetIds, renewal);
  }

  async list(query: ListRequest): Promise<RpcResponse<typeof Rpc.inventory.certificateList>> {
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const field = query.sort.replace(/^-/, '');
    const rows = await this.repo.list({
      status: query.status,
      issuerId: query.issuer_id,
      ownerId: query.owner_id,
      teamId: query.team_id,
      profileId: query.profile_id,
      expiresBefore: query.expires_before ? new Date(query.expires_before) : undefined,
      text: query.q,
      sort: {
        field: field === 'name' || field === 'expires_at' ? field : 'created_at',
        direction: query.sort.startsWith('-') ? 'desc' : 'asc',
      },
      afterId: after,
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    // One statement for every row's version, policy and open job (pageDetails), then plain mapping.
    const details = await this.repo.pageDetails(page);
    const jitter = this.config.CERTCTL_RENEWAL_JITTER_MAX_MS;
    const now = new Date();
    return {
      data: page.map((c) => {
        const d = details.get(c.id);
        const v = d?.version ?? null;
        return toSummaryDto(c, v, toRenewalDto(c, v, d?.policy ?? null, d?.job ?? null, jitter, now));
      }),
      next_cursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1].id) : null,
    };
  }
}

function dedupe(values: string[]): string[] {
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

function quoted(value: string | undefined): string {
  return JSON.stringify(value);
}

/** Every reference of a new certificate that does not exist or does not fit, in the order the API names them. */
export function referenceProblems(body: CreateBody, refs: References): FieldError[] {
  const problems: FieldError[] = [];
  if (!refs.issuerFound) problems.push({ field: 'issuer_id', message: `issuer ${quoted(body.issuer_id)} does not exist` });
  if (!refs.ownerFound) problems.push({ field: 'owner_id', message: `owner ${quoted(body.owner_id)} does not exist` });
  if (!refs.teamFound) problems.push({ field: 'team_id', message: `team ${quoted(body.team_id)} does not exist` });
  if (!refs.policy)
    problems.push({ field: 'renewal_policy_id', message: `renewal policy ${quoted(body.renewal_policy_id)} does not exist` });
  if (body.profile_id && !refs.profile)
    problems.push({ field: 'profile_id', message: `profile ${quoted(body.profile_id)} does not exist` });
  if (refs.profile) problems.push(...checkSanRules(dedupe([body.common_name, ...body.sans]), refs.profile.sanRules as SanRules));
  // Homoglyph IDNs: the part of the DNS-name rule the request shapes (syntax only) leave to the service.
  if (isSpoofedName(body.common_name)) problems.push({ field: 'common_name', message: 'must be a DNS name or an IP address' });
  body.sans.forEach((san, i) => {
    if (isSpoofedName(san)) problems.push({ field: `sans.${i}`, message: 'must be a DNS name, IP address, email address or URI' });
  });
  if (refs.profile?.keyGeneration === 'agent' && !body.agent_id) {
    problems.push({ field: 'agent_id', message: 'is required: the profile has the agent generate the key' });
  }
  if (!refs.agentFound) problems.push({ field: 'agent_id', message: `agent ${quoted(body.agent_id)} does not exist` });
  return problems;
}

function certificateColumns(id: string, body: CreateBody, actor: Actor) {
  return {
    id,
    name: body.name,
    commonName: body.common_name.toLowerCase(),
    sans: dedupe([body.common_name, ...body.sans]),
    environment: body.environment,
    tags: body.tags,
    issuerId: body.issuer_id,
    profileId: body.profile_id ?? null,
    ownerId: body.owner_id,
    teamId: body.team_id,
    renewalPolicyId: body.renewal_policy_id,
    agentId: body.agent_id ?? null,
    createdBy: actor.principal,
  };
}

/** A field error for every target id that does not exist. */
export async function missingTargets(
  repo: Pick<CertificateRepository, 'existingTargetIds'>,
  ids: readonly string[] | undefined,
): Promise<FieldError[]> {
  if (!ids?.length) return [];
  const have = await repo.existingTargetIds(ids);
  return ids.filter((id) => !have.has(id)).map((id) => ({ field: 'target_ids', message: `target ${JSON.stringify(id)} does not exist` }));
}
