import { Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type Db, DbErrorCode, Prisma, PrismaService, newId, translateDbErrors } from '@certctl/database';

export type AgentRow = Prisma.AgentGetPayload<object>;
export type JobRow = Prisma.JobGetPayload<object>;
export type VersionRow = Prisma.CertificateVersionGetPayload<object>;
export type TargetRow = Prisma.TargetGetPayload<object>;

const CSR_CONTEXT = {
  certificate: { select: { commonName: true, sans: true, profile: { select: { allowedKeyAlgorithms: true } } } },
} satisfies Prisma.JobInclude;
/** A job with what an agent needs to build (or we need to check) its CSR: the names and the profile's key rules. */
export type JobWithCsrContext = Prisma.JobGetPayload<{ include: typeof CSR_CONTEXT }>;

export interface Heartbeat {
  hostname: string;
  os: string;
  architecture: string;
  version: string;
  ipAddresses: string[];
}

export interface AgentJobReport {
  status: Db.JobStatus;
  error?: string;
  result?: Prisma.InputJsonValue;
  completedAt?: Date;
}

/** Agents and the jobs they claim, report on and send CSRs for. */
@Injectable()
export class AgentRepository {
  constructor(private readonly db: PrismaService) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.db.$transaction(fn);
  }

  /** A new agent; a taken name is a `conflict` on `name`. */
  insert(name: string, hostname: string): Promise<AgentRow> {
    return translateDbErrors(() => this.db.agent.create({ data: { id: newId('agent'), name, hostname } }), {
      [DbErrorCode.UniqueViolation]: () =>
        new AppError('conflict', `an agent named ${JSON.stringify(name)} already exists`, {
          fields: [{ field: 'name', message: 'must be unique' }],
        }),
    });
  }

  /**
   * Many agents' heartbeats in one UPDATE … FROM unnest(…) (one row per agent; retired and
   * unknown agents are left alone). Returns the ids it updated. Rows are locked in id order,
   * and a deadlock with another replica's batch is retried once.
   */
  async recordHeartbeats(beats: { id: string; beat: Heartbeat }[]): Promise<Set<string>> {
    if (!beats.length) return new Set();
    const sorted = [...beats].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const col = <K extends keyof Heartbeat>(k: K) => sorted.map((b) => b.beat[k]);
    const ids = sorted.map((b) => b.id);
    const ips = sorted.map((b) => JSON.stringify(b.beat.ipAddresses));
    const run = () => this.db.$queryRaw<{ id: string }[]>`
      WITH beat AS (
        SELECT * FROM unnest(${ids}::text[], ${col('hostname')}::text[], ${col('os')}::text[], ${col('architecture')}::text[],
                             ${col('version')}::text[], ${ips}::text[]) AS b(id, hostname, os, architecture, version, ips)
      ), locked AS (
        SELECT a.id FROM agents a JOIN beat ON beat.id = a.id WHERE a.status <> 'retired' ORDER BY a.id FOR UPDATE OF a
      )
      UPDATE agents AS a
      SET hostname = beat.hostname, os = beat.os, architecture = beat.architecture, version = beat.version,
          ip_addresses = ARRAY(SELECT jsonb_array_elements_text(beat.ips::jsonb)), last_heartbeat_at = now(), status = 'online'
      FROM beat, locked
      WHERE a.id = beat.id AND locked.id = a.id
      RETURNING a.id`;
    let rows: { id: string }[];
    try {
      rows = await run();
    } catch (err) {
      if (!isDeadlock(err)) throw err;
      rows = await run();
    }
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Retires the agent and fails its open jobs (pending or claimed deployments, issuance jobs
   * waiting for its CSR) in one transaction; the agent row is locked so two retires do not
   * both count. Null when there is no such agent; `failedJobs` 0 when it was already retired.
   */
  retire(id: string, reason: string): Promise<{ agent: AgentRow; failedJobs: number } | null> {
    return this.db.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM agents WHERE id = ${id} FOR UPDATE`;
      if (!locked.length) return null;
      if (locked[0].status === 'retired') return { agent: (await tx.agent.findUnique({ where: { id } }))!, failedJobs: 0 };
      const agent = await tx.agent.update({ where: { id }, data: { status: 'retired', retiredAt: new Date() } });
      const failedJobs = await tx.$executeRaw`
        UPDATE jobs SET status = 'failed', last_error = ${reason}, completed_at = now(), updated_at = now()
        WHERE agent_id = ${id}
          AND ((type = 'deployment' AND status IN ('pending', 'running')) OR status = 'awaiting_csr')`;
      return { agent, failedJobs };
    });
  }

  findById(id: string): Promise<AgentRow | null> {
    return this.db.agent.findUnique({ where: { id } });
  }

  /** A page in id order, after `afterId`. */
  list(status: Db.AgentStatus | undefined, afterId: string | undefined, take: number): Promise<AgentRow[]> {
    return this.db.agent.findMany({
      where: { ...(status ? { status } : {}), ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take,
    });
  }

  /**
   * Claims up to `limit` of the agent's due pending deployment jobs in one statement: the
   * inner SELECT locks rows and skips ones another claimer holds. Returns the claimed rows.
   */
  async claimDeployments(agentId: string, limit: number): Promise<JobRow[]> {
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
    if (!claimed.length) return [];
    return this.db.job.findMany({ where: { id: { in: claimed.map((row) => row.id) } }, orderBy: { scheduledAt: 'asc' } });
  }

  /** The agent's oldest jobs waiting for its CSR. */
  awaitingCsr(agentId: string, limit: number): Promise<JobWithCsrContext[]> {
    return this.db.job.findMany({
      where: { agentId, status: 'awaiting_csr' },
      take: limit,
      orderBy: { createdAt: 'asc' },
      include: CSR_CONTEXT,
    });
  }

  /** Locks the job row and reads it; null when there is none. */
  async lockJob(jobId: string, tx: Prisma.TransactionClient): Promise<JobRow | null> {
    const locked = await tx.$queryRaw<JobRow[]>`SELECT * FROM jobs WHERE id = ${jobId} FOR UPDATE`;
    const row = await tx.job.findUnique({ where: { id: jobId } });
    return locked.length ? row : null;
  }

  recordReport(jobId: string, report: AgentJobReport, tx: Prisma.TransactionClient): Promise<JobRow> {
    return tx.job.update({
      where: { id: jobId },
      data: {
        status: report.status,
        ...(report.error !== undefined ? { lastError: report.error } : {}),
        ...(report.result !== undefined ? { result: report.result } : {}),
        ...(report.completedAt ? { completedAt: report.completedAt } : {}),
      },
    });
  }

  findJobWithCsrContext(jobId: string): Promise<JobWithCsrContext | null> {
    return this.db.job.findUnique({ where: { id: jobId }, include: CSR_CONTEXT });
  }

  /** Locks the job row and reads its status (undefined when there is none). */
  async lockedJobStatus(jobId: string, tx: Prisma.TransactionClient): Promise<string | undefined> {
    const locked = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM jobs WHERE id = ${jobId} FOR UPDATE`;
    return locked[0]?.status;
  }

  /** awaiting_csr → pending, with the CSR to sign. */
  acceptCsr(jobId: string, csrPem: string, tx: Prisma.TransactionClient): Promise<JobRow> {
    return tx.job.update({ where: { id: jobId }, data: { status: 'pending', csrPem } });
  }

  findJob(jobId: string): Promise<JobRow | null> {
    return this.db.job.findUnique({ where: { id: jobId } });
  }

  findVersion(versionId: string): Promise<VersionRow | null> {
    return this.db.certificateVersion.findUnique({ where: { id: versionId } });
  }

  findTarget(targetId: string): Promise<TargetRow | null> {
    return this.db.target.findUnique({ where: { id: targetId } });
  }

  findVersionOfJob(jobId: string): Promise<VersionRow | null> {
    return this.db.certificateVersion.findUnique({ where: { jobId } });
  }
}

/** PostgreSQL's deadlock_detected (40P01), however the driver wrapped it. */
function isDeadlock(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${JSON.stringify((err as { meta?: unknown }).meta ?? '')}` : String(err);
  return /40P01|deadlock detected/i.test(text);
}
