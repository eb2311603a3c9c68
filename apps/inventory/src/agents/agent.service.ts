import { Injectable } from '@nestjs/common';
import {
  AgentRpc,
  AppError,
  type JobDto,
  type RpcRequestParsed,
  type RpcResponse,
  decodeIdCursor,
  encodeIdCursor,
} from '@certctl/contracts';
import { Prisma, PrismaService, newId } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { toJobDto } from '../jobs/job-approval.service';
import { assertTransition } from '../jobs/job-state';

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
  constructor(private readonly db: PrismaService) {}

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
   * Claims up to `limit` of this agent's pending jobs in one statement: the inner SELECT
   * locks rows and skips ones another claimer holds, so concurrent claimers (replicas,
   * retries) never take the same job.
   */
  async claim(agentId: string, limit: number): Promise<{ claimed: JobDto[]; awaiting_csr: JobDto[] }> {
    await this.get(agentId);
    const claimed = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now()
      WHERE id IN (
        SELECT id FROM jobs
        WHERE agent_id = ${agentId} AND status = 'pending' AND scheduled_at <= now()
        ORDER BY scheduled_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id`;
    const [rows, waiting] = await Promise.all([
      claimed.length ? this.db.job.findMany({ where: { id: { in: claimed.map((r) => r.id) } }, orderBy: { scheduledAt: 'asc' } }) : [],
      this.db.job.findMany({ where: { agentId, status: 'awaiting_csr' }, take: limit, orderBy: { createdAt: 'asc' } }),
    ]);
    return { claimed: rows.map(toJobDto), awaiting_csr: waiting.map(toJobDto) };
  }

  /** An agent reports progress on one of its own jobs; transitions are checked against the one table. */
  async reportStatus({ id, job_id, body }: RpcRequestParsed<typeof AgentRpc.jobStatus>): Promise<JobDto> {
    const job = await this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<JobRow[]>`SELECT * FROM jobs WHERE id = ${job_id} FOR UPDATE`;
      const row = await tx.job.findUnique({ where: { id: job_id } });
      if (!locked.length || !row || row.agentId !== id) throw AppError.notFound('job', job_id);
      if (row.status === body.status) return row; // a repeated report changes nothing
      assertTransition(row.id, row.status, body.status);
      const terminal = body.status !== 'running';
      return tx.job.update({
        where: { id: row.id },
        data: {
          status: body.status,
          ...(body.error !== undefined ? { lastError: body.error } : {}),
          ...(body.result !== undefined ? { result: body.result as Prisma.InputJsonValue } : {}),
          ...(terminal ? { completedAt: new Date() } : {}),
        },
      });
    });
    return toJobDto(job);
  }
}
