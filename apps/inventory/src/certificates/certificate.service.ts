import { Injectable } from '@nestjs/common';
import {
  AppError,
  Events,
  type FieldError,
  Rpc,
  type RpcRequestParsed,
  type RpcResponse,
} from '@certctl/contracts';
import { Prisma, PrismaService, newId, decodeIdCursor, encodeIdCursor } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { type SanRules, checkSanRules, isSpoofedName } from '@certctl/pki';
import { initialJobStatus } from '../jobs/initial-status';
import { JobService } from '../jobs/job.service';
import { toCertificateDto, toSummaryDto } from './certificate.mapper';

type CreateRequest = RpcRequestParsed<typeof Rpc.inventory.certificateCreate>;
type ListRequest = RpcRequestParsed<typeof Rpc.inventory.certificateList>;

@Injectable()
export class CertificateService {
  constructor(
    private readonly db: PrismaService,
    private readonly rpc: RpcClient,
    private readonly jobs: JobService,
  ) {}

  async create({ actor, certificate: body }: CreateRequest): Promise<RpcResponse<typeof Rpc.inventory.certificateCreate>> {
    const [owner, team, policy, profile, issuerMissing] = await Promise.all([
      this.db.owner.findUnique({ where: { id: body.owner_id }, select: { id: true } }),
      this.db.team.findUnique({ where: { id: body.team_id }, select: { id: true } }),
      this.db.renewalPolicy.findUnique({ where: { id: body.renewal_policy_id }, select: { id: true, maxRetries: true } }),
      body.profile_id
        ? this.db.certificateProfile.findUnique({
            where: { id: body.profile_id },
            select: { id: true, requiresApproval: true, keyGeneration: true, sanRules: true },
          })
        : Promise.resolve(null),
      this.issuerMissing(body.issuer_id),
    ]);
    const missing: FieldError[] = [];
    if (issuerMissing) missing.push({ field: 'issuer_id', message: `issuer ${JSON.stringify(body.issuer_id)} does not exist` });
    if (!owner) missing.push({ field: 'owner_id', message: `owner ${JSON.stringify(body.owner_id)} does not exist` });
    if (!team) missing.push({ field: 'team_id', message: `team ${JSON.stringify(body.team_id)} does not exist` });
    if (!policy)
      missing.push({ field: 'renewal_policy_id', message: `renewal policy ${JSON.stringify(body.renewal_policy_id)} does not exist` });
    if (body.profile_id && !profile)
      missing.push({ field: 'profile_id', message: `profile ${JSON.stringify(body.profile_id)} does not exist` });
    if (profile) missing.push(...checkSanRules(dedupe([body.common_name, ...body.sans]), profile.sanRules as SanRules));
    // Homoglyph IDNs: the part of the DNS-name rule the request shapes (syntax only) leave to the service.
    if (isSpoofedName(body.common_name)) missing.push({ field: 'common_name', message: 'must be a DNS name or an IP address' });
    body.sans.forEach((san, i) => {
      if (isSpoofedName(san)) missing.push({ field: `sans.${i}`, message: 'must be a DNS name, IP address, email address or URI' });
    });
    if (profile?.keyGeneration === 'agent' && !body.agent_id) {
      missing.push({ field: 'agent_id', message: 'is required: the profile has the agent generate the key' });
    }
    if (body.agent_id && !(await this.db.agent.findUnique({ where: { id: body.agent_id }, select: { id: true } }))) {
      missing.push({ field: 'agent_id', message: `agent ${JSON.stringify(body.agent_id)} does not exist` });
    }
    missing.push(...(await missingTargets(this.db, body.target_ids)));
    if (missing.length) throw AppError.validation(missing, 'The certificate cannot be created as given; each problem is named.');

    const certId = newId('cert');
    const jobId = newId('job');
    const traceparent = this.jobs.traceparent();
    const jobStatus = initialJobStatus(profile);
    let created;
    try {
      created = await this.db.$transaction(async (tx) => {
        const cert = await tx.certificate.create({
          data: {
            id: certId,
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
          },
        });
        if (body.target_ids.length) {
          await tx.certificateTarget.createMany({
            data: [...new Set(body.target_ids)].map((targetId) => ({ certificateId: certId, targetId })),
          });
        }
        await tx.job.create({
          data: {
            id: jobId,
            type: 'issuance',
            status: jobStatus,
            agentId: body.agent_id ?? null,
            certificateId: certId,
            requestedBy: actor.principal,
            requestedByKeyId: actor.key_id ?? null,
            requestedByOwner: actor.owner_key_id ?? null,
            maxAttempts: policy!.maxRetries,
            traceparent,
          },
        });
        return cert;
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new AppError('conflict', `a certificate named ${JSON.stringify(body.name)} already exists`, {
          fields: [{ field: 'name', message: 'must be unique' }],
        });
      }
      throw err;
    }
    if (jobStatus !== 'pending') {
      getLogger().info(
        { certificate_id: certId, job_id: jobId, actor: actor.principal, job_status: jobStatus },
        'certificate created; issuance waits',
      );
    } else {
      getLogger().info({ certificate_id: certId, job_id: jobId, actor: actor.principal }, 'certificate created; issuance job queued');
      try {
        await this.jobs.enqueueIssuance(jobId, certId, traceparent);
      } catch (err) {
        // The job row is the record; reconciliation re-queues it when Redis is back.
        getLogger().warn({ job_id: jobId, err: (err as Error).message }, 'could not queue issuance job now; reconciliation will');
      }
    }
    await this.rpc.emit(Events.certificateCreated, { certificate_id: certId, job_id: jobId, actor: actor.principal });
    return { certificate: toCertificateDto(created, null, [...new Set(body.target_ids)]), job_id: jobId };
  }

  private async issuerMissing(id: string): Promise<boolean> {
    try {
      await this.rpc.request(Rpc.issuance.issuerGet, { id });
      return false;
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return true;
      throw err;
    }
  }

  async get(id: string): Promise<RpcResponse<typeof Rpc.inventory.certificateGet>> {
    const cert = await this.db.certificate.findUnique({ where: { id } });
    if (!cert) throw AppError.notFound('certificate', id);
    const [version, targets] = await Promise.all([
      cert.currentVersionId ? this.db.certificateVersion.findUnique({ where: { id: cert.currentVersionId } }) : null,
      this.db.certificateTarget.findMany({ where: { certificateId: id }, select: { targetId: true }, orderBy: { targetId: 'asc' } }),
    ]);
    return toCertificateDto(
      cert,
      version,
      targets.map((t) => t.targetId),
    );
  }

  async list(q: ListRequest): Promise<RpcResponse<typeof Rpc.inventory.certificateList>> {
    const after = q.cursor ? decodeIdCursor(q.cursor) : undefined;
    const desc = q.sort.startsWith('-');
    const dir = desc ? ('desc' as const) : ('asc' as const);
    const field = q.sort.replace(/^-/, '');
    const orderBy: Prisma.CertificateOrderByWithRelationInput[] = [
      field === 'name' ? { name: dir } : field === 'expires_at' ? { expiresAt: { sort: dir, nulls: 'last' } } : { createdAt: dir },
      { id: dir },
    ];
    const rows = await this.db.certificate.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...(q.issuer_id ? { issuerId: q.issuer_id } : {}),
        ...(q.owner_id ? { ownerId: q.owner_id } : {}),
        ...(q.team_id ? { teamId: q.team_id } : {}),
        ...(q.expires_before ? { expiresAt: { lt: new Date(q.expires_before) } } : {}),
        ...(q.q ? { OR: [{ name: { contains: q.q, mode: 'insensitive' } }, { commonName: { contains: q.q, mode: 'insensitive' } }] } : {}),
      },
      orderBy,
      ...(after ? { cursor: { id: after }, skip: 1 } : {}),
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const versionIds = page.map((c) => c.currentVersionId).filter((v): v is string => !!v);
    const versions = versionIds.length
      ? await this.db.certificateVersion.findMany({ where: { id: { in: versionIds } }, omit: { certificatePem: true, chainPem: true } })
      : [];
    const byId = new Map(versions.map((v) => [v.id, v]));
    return {
      data: page.map((c) => toSummaryDto(c, c.currentVersionId ? ((byId.get(c.currentVersionId) as never) ?? null) : null)),
      next_cursor: rows.length > q.limit ? encodeIdCursor(page[page.length - 1].id) : null,
    };
  }
}

function dedupe(values: string[]): string[] {
  return [...new Set(values.map((v) => v.toLowerCase()))];
}

/** A field error for every target id that does not exist. */
export async function missingTargets(db: PrismaService, ids: readonly string[] | undefined): Promise<FieldError[]> {
  if (!ids?.length) return [];
  const found = await db.target.findMany({ where: { id: { in: [...ids] } }, select: { id: true } });
  const have = new Set(found.map((t) => t.id));
  return ids.filter((t) => !have.has(t)).map((t) => ({ field: 'target_ids', message: `target ${JSON.stringify(t)} does not exist` }));
}
