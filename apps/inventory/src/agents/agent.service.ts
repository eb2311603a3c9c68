import { Injectable } from '@nestjs/common';
import { AgentRpc, AppError, type JobDto, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { Prisma, PrismaService, newId, decodeIdCursor, encodeIdCursor } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { parseCsr, translatePkiErrors } from '@certctl/pki';
import { toJobDto } from '../jobs/job-approval.service';
import { assertAgentTransition, assertTransition } from '../jobs/job-state';
import { JobService } from '../jobs/job.service';

type AgentRow = Prisma.AgentGetPayload<object>;
type JobRow = Prisma.JobGetPayload<object>;

function toAgentDto(a: AgentRow): RpcResponse<typeof AgentRpc.get> {
  return {
    id: a.id,
    name: a.name,
    hostname: a.hostname,
    status: a.status,
    os: a.os,
    architecture: a.architecture,
    version: a.version,
    ip_addresses: a.ipAddresses,
    last_heartbeat_at: a.lastHeartbeatAt?.toISOString() ?? null,
    registered_at: a.registeredAt.toISOString(),
  };
}

/** Agent registration, heartbeats and work claiming (row locks that skip locked rows: N claimers never share a job). */
@Injectable()
export class AgentService {
  constructor(
    private readonly db: PrismaService,
    private readonly jobs?: JobService,
  ) {}

  async register({ actor, body }: RpcRequestParsed<typeof AgentRpc.register>) {
    try {
      const row = await this.db.agent.create({ data: { id: newId('agent'), name: body.name, hostname: body.hostname } });
      getLogger().info({ agent_id: row.id, actor: actor.principal }, 'agent registered');
      return toAgentDto(row);
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
        throw new AppError('conflict', `an agent named ${JSON.stringify(body.name)} already exists`, {
          fields: [{ field: 'name', message: 'must be unique' }],
        });
      }
      throw err;
    }
  }

  /** One UPDATE, nothing else: heartbeats are the hottest write of a fleet. */
  async heartbeat({ id, body }: RpcRequestParsed<typeof AgentRpc.heartbeat>) {
    const n = await this.db.$executeRaw`
      UPDATE agents SET hostname = ${body.hostname}, os = ${body.os}, architecture = ${body.architecture}, version = ${body.version},
             ip_addresses = ${body.ip_addresses}::text[], last_heartbeat_at = now(), status = 'online'
      WHERE id = ${id} AND status <> 'retired'`;
    if (n === 0) throw AppError.notFound('agent', id);
    return { id, status: 'online' as const };
  }

  async get(id: string) {
    const row = await this.db.agent.findUnique({ where: { id } });
    if (!row) throw AppError.notFound('agent', id);
    return toAgentDto(row);
  }

  async list(q: RpcRequestParsed<typeof AgentRpc.list>) {
    const after = q.cursor ? decodeIdCursor(q.cursor) : undefined;
    const rows = await this.db.agent.findMany({
      where: { ...(q.status ? { status: q.status } : {}), ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return { data: page.map(toAgentDto), next_cursor: rows.length > q.limit ? encodeIdCursor(page[page.length - 1].id) : null };
  }

  /**
   * Claims up to `limit` of this agent's pending deployment jobs in one statement (issuance,
   * renewal and revocation jobs are the platform workers' even when bound to the agent; the
   * agent sees its agent-key issuance jobs only as `awaiting_csr`): the inner SELECT
   * locks rows and skips ones another claimer holds, so concurrent claimers (replicas,
   * retries) never take the same job.
   */
  async claim(agentId: string, limit: number): Promise<RpcResponse<typeof AgentRpc.claimWork>> {
    await this.get(agentId);
    const claimed = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now()
      WHERE id IN (
        SELECT id FROM jobs
        WHERE agent_id = ${agentId} AND type = 'deployment' AND status = 'pending' AND scheduled_at <= now()
        ORDER BY scheduled_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id`;
    const [rows, waiting] = await Promise.all([
      claimed.length ? this.db.job.findMany({ where: { id: { in: claimed.map((r) => r.id) } }, orderBy: { scheduledAt: 'asc' } }) : [],
      this.db.job.findMany({
        where: { agentId, status: 'awaiting_csr' },
        take: limit,
        orderBy: { createdAt: 'asc' },
        include: { certificate: { select: { commonName: true, sans: true, profile: { select: { allowedKeyAlgorithms: true } } } } },
      }),
    ]);
    return {
      claimed: rows.map(toJobDto),
      awaiting_csr: waiting.map((j) => ({
        ...toJobDto(j),
        common_name: j.certificate.commonName,
        sans: j.certificate.sans,
        allowed_key_algorithms: (j.certificate.profile?.allowedKeyAlgorithms ?? []) as { algorithm: string; min_size: number }[],
      })),
    };
  }

  /**
   * An agent reports progress on one of its own deployment jobs; anything else is refused
   * (job-state.ts assertAgentTransition), then transitions are checked against the one table.
   */
  async reportStatus({ id, job_id, body }: RpcRequestParsed<typeof AgentRpc.jobStatus>): Promise<JobDto> {
    const job = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<JobRow[]>`SELECT * FROM jobs WHERE id = ${job_id} FOR UPDATE`;
      const row = await tx.job.findUnique({ where: { id: job_id } });
      if (!locked.length || !row || row.agentId !== id) throw AppError.notFound('job', job_id);
      if (row.type === 'deployment' && row.status === body.status) return row; // a repeated report changes nothing
      assertAgentTransition(row, body.status);
      const terminal = body.status !== 'running';
      return tx.job.update({
        where: { id: row.id },
        data: {
          status: body.status,
          ...(body.error !== undefined ? { lastError: body.error } : {}),
          ...(body.result !== undefined
            ? { result: { ...((row.result ?? {}) as Record<string, unknown>), ...body.result } as Prisma.InputJsonValue }
            : {}),
          ...(terminal ? { completedAt: new Date() } : {}),
        },
      });
    });
    return toJobDto(job);
  }

  /**
   * The agent's CSR for an AwaitingCSR job: its signature must verify, its names must be
   * exactly the certificate's, and its key must be one the profile allows. Then the job
   * goes to the issuance queue; the private key never left the agent.
   */
  async submitCsr({ id, job_id, body }: RpcRequestParsed<typeof AgentRpc.submitCsr>): Promise<JobDto> {
    const job = await this.db.job.findUnique({
      where: { id: job_id },
      include: { certificate: { select: { sans: true, commonName: true, profile: { select: { allowedKeyAlgorithms: true } } } } },
    });
    if (!job || job.agentId !== id) throw AppError.notFound('job', job_id);
    if (job.status !== 'awaiting_csr') throw new AppError('illegal_transition', `job ${job_id} is ${job.status}, not awaiting a CSR`);
    const csr = await translatePkiErrors(() => parseCsr(body.csr_pem), { field: 'csr_pem' });
    const problems: string[] = [];
    if (!csr.signatureValid) problems.push('its signature does not verify');
    const want = new Set(job.certificate.sans.map((n) => n.toLowerCase()));
    const got = new Set([...(csr.commonName ? [csr.commonName] : []), ...csr.sans].map((n) => n.toLowerCase()));
    const extra = [...got].filter((n) => !want.has(n));
    const absent = [...want].filter((n) => !got.has(n));
    if (extra.length) problems.push(`it names ${extra.join(', ')}, which the certificate does not`);
    if (absent.length) problems.push(`it lacks ${absent.join(', ')}`);
    const rules = (job.certificate.profile?.allowedKeyAlgorithms ?? []) as { algorithm?: string; min_size?: number }[];
    const keyOk =
      rules.length === 0 || rules.some((r) => r.algorithm?.toUpperCase() === csr.keyType.toUpperCase() && csr.keySize >= (r.min_size ?? 0));
    if (!keyOk) problems.push(`its ${csr.keyType} ${csr.keySize}-bit key is not allowed by the profile`);
    if (problems.length) throw AppError.validation([{ field: 'csr_pem', message: problems.join('; ') }], 'The CSR does not match the job.');

    const updated = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM jobs WHERE id = ${job_id} FOR UPDATE`;
      if (locked[0]?.status !== 'awaiting_csr') throw new AppError('illegal_transition', `job ${job_id} is no longer awaiting a CSR`);
      assertTransition(job_id, 'awaiting_csr', 'pending');
      return tx.job.update({ where: { id: job_id }, data: { status: 'pending', csrPem: body.csr_pem } });
    });
    getLogger().info({ job_id, agent_id: id, key: `${csr.keyType}-${csr.keySize}` }, 'CSR accepted; job queued for signing');
    await this.jobs?.enqueueIssuance(job_id, job.certificateId, job.traceparent ?? undefined).catch((err: unknown) => {
      getLogger().warn({ job_id, err: (err as Error).message }, 'could not queue the job now; reconciliation will');
    });
    return toJobDto(updated);
  }

  /** One of this agent's jobs, with the issued certificate once it is complete. */
  async job({ id, job_id }: RpcRequestParsed<typeof AgentRpc.job>): Promise<RpcResponse<typeof AgentRpc.job>> {
    const job = await this.db.job.findUnique({ where: { id: job_id } });
    if (!job || job.agentId !== id) throw AppError.notFound('job', job_id);
    // A deployment job carries the version it deploys; an issuance job shows its result once complete.
    const deployVersion = job.type === 'deployment' ? (job.result as { version_id?: string } | null)?.version_id : undefined;
    const version = deployVersion
      ? await this.db.certificateVersion.findUnique({ where: { id: deployVersion } })
      : job.status === 'completed'
        ? await this.db.certificateVersion.findUnique({ where: { jobId: job_id } })
        : null;
    return { ...toJobDto(job), certificate_pem: version?.certificatePem ?? null, chain_pem: version?.chainPem ?? null };
  }
}
