import { Inject, Injectable, Optional } from '@nestjs/common';
import { AgentRpc, AppError, type JobDto, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { type Prisma, decodeIdCursor, encodeIdCursor } from '@certctl/database';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import { type SecretBox, openSecretFields, parseCsr, translatePkiErrors } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { targetAad } from '../config-resources/config-resource.adapters';
import { toJobDto } from '../jobs/job.mapper';
import { assertAgentTransition, assertTransition } from '../jobs/job-state';
import { JobService } from '../jobs/job.service';
import { type AgentRow, AgentRepository, type JobRow, type JobWithCsrContext } from './agent.repository';
import { HeartbeatBatcher } from './heartbeat-batcher';

type KeyRule = { algorithm?: string; min_size?: number };

function toAgentDto(agent: AgentRow): RpcResponse<typeof AgentRpc.get> {
  return {
    id: agent.id,
    name: agent.name,
    hostname: agent.hostname,
    status: agent.status,
    os: agent.os,
    architecture: agent.architecture,
    version: agent.version,
    ip_addresses: agent.ipAddresses,
    last_heartbeat_at: agent.lastHeartbeatAt?.toISOString() ?? null,
    registered_at: agent.registeredAt.toISOString(),
    retired_at: agent.retiredAt?.toISOString() ?? null,
  };
}

/** Agent registration, heartbeats and work claiming (row locks that skip locked rows: N claimers never share a job). */
@Injectable()
export class AgentService {
  /** Opens the sealed secrets of a target's settings for the agent that deploys to it. */
  private readonly box?: SecretBox;
  /** Heartbeats arriving within a few ms share one UPDATE (heartbeat-batcher.ts). */
  private readonly beats: HeartbeatBatcher;

  constructor(
    private readonly repo: AgentRepository,
    @Optional() private readonly jobs?: JobService,
    @Optional() @Inject(INVENTORY_CONFIG) config?: InventoryConfig,
  ) {
    this.box = config ? secretBoxFromConfig(config) : undefined;
    this.beats = new HeartbeatBatcher((batch) => this.repo.recordHeartbeats(batch), {
      windowMs: config?.CERTCTL_HEARTBEAT_BATCH_MS ?? 2,
      maxBatch: config?.CERTCTL_HEARTBEAT_BATCH_MAX ?? 500,
    });
  }

  async register({ actor, body }: RpcRequestParsed<typeof AgentRpc.register>) {
    const row = await this.repo.insert(body.name, body.hostname);
    getLogger().info({ agent_id: row.id, actor: actor.principal }, 'agent registered');
    return toAgentDto(row);
  }

  /**
   * Heartbeats are the hottest write of a fleet: each is written by the one batched UPDATE of
   * the heartbeats that arrived with it, nothing else, and answered once its row is written.
   */
  async heartbeat({ id, body }: RpcRequestParsed<typeof AgentRpc.heartbeat>) {
    const beat = {
      hostname: body.hostname,
      os: body.os,
      architecture: body.architecture,
      version: body.version,
      ipAddresses: body.ip_addresses,
    };
    if (!(await this.beats.record(id, beat))) throw AppError.notFound('agent', id);
    return { id, status: 'online' as const };
  }

  /**
   * Retires the agent: status `retired`, its open jobs failed with a reason naming it. The
   * gateway then answers every agent route of it with 410. A second retire changes nothing
   * and answers the same agent with `failed_jobs: 0` (idempotent).
   */
  async retire({ actor, id }: RpcRequestParsed<typeof AgentRpc.retire>): Promise<RpcResponse<typeof AgentRpc.retire>> {
    const reason = `agent ${id} was retired by ${actor.principal}; the job was not done`;
    const done = await this.repo.retire(id, reason);
    if (!done) throw AppError.notFound('agent', id);
    getLogger().info({ agent_id: id, actor: actor.principal, failed_jobs: done.failedJobs }, 'agent retired');
    return { agent: toAgentDto(done.agent), failed_jobs: done.failedJobs };
  }

  async get(id: string) {
    const row = await this.repo.findById(id);
    if (!row) throw AppError.notFound('agent', id);
    return toAgentDto(row);
  }

  async list(query: RpcRequestParsed<typeof AgentRpc.list>) {
    const after = query.cursor ? decodeIdCursor(query.cursor) : undefined;
    const rows = await this.repo.list(query.status, after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return { data: page.map(toAgentDto), next_cursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1].id) : null };
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
    const [rows, waiting] = await Promise.all([this.repo.claimDeployments(agentId, limit), this.repo.awaitingCsr(agentId, limit)]);
    return {
      claimed: rows.map(toJobDto),
      awaiting_csr: waiting.map((job) => ({
        ...toJobDto(job),
        common_name: job.certificate.commonName,
        sans: job.certificate.sans,
        allowed_key_algorithms: (job.certificate.profile?.allowedKeyAlgorithms ?? []) as { algorithm: string; min_size: number }[],
      })),
    };
  }

  /**
   * An agent reports progress on one of its own deployment jobs; anything else is refused
   * (job-state.ts assertAgentTransition), then transitions are checked against the one table.
   */
  async reportStatus({ id, job_id, body }: RpcRequestParsed<typeof AgentRpc.jobStatus>): Promise<JobDto> {
    const job = await this.repo.transaction(async (tx) => {
      const row = await this.repo.lockJob(job_id, tx);
      if (!row || row.agentId !== id) throw AppError.notFound('job', job_id);
      if (row.type === 'deployment' && row.status === body.status) return row; // a repeated report changes nothing
      assertAgentTransition(row, body.status);
      const terminal = body.status !== 'running';
      return this.repo.recordReport(
        row.id,
        {
          status: body.status,
          error: body.error,
          result: body.result !== undefined ? mergedResult(row, body.result) : undefined,
          completedAt: terminal ? new Date() : undefined,
        },
        tx,
      );
    });
    return toJobDto(job);
  }

  /**
   * The agent's CSR for an AwaitingCSR job: its signature must verify, its names must be
   * exactly the certificate's, and its key must be one the profile allows. Then the job
   * goes to the issuance queue; the private key never left the agent.
   */
  async submitCsr({ id, job_id, body }: RpcRequestParsed<typeof AgentRpc.submitCsr>): Promise<JobDto> {
    const job = await this.repo.findJobWithCsrContext(job_id);
    if (!job || job.agentId !== id) throw AppError.notFound('job', job_id);
    if (job.status !== 'awaiting_csr') throw new AppError('illegal_transition', `job ${job_id} is ${job.status}, not awaiting a CSR`);
    const csr = await parseSubmittedCsr(body.csr_pem);
    const problems = csrProblems(csr, job);
    if (problems.length) throw AppError.validation([{ field: 'csr_pem', message: problems.join('; ') }], 'The CSR does not match the job.');

    const updated = await this.repo.transaction(async (tx) => {
      if ((await this.repo.lockedJobStatus(job_id, tx)) !== 'awaiting_csr') {
        throw new AppError('illegal_transition', `job ${job_id} is no longer awaiting a CSR`);
      }
      assertTransition(job_id, 'awaiting_csr', 'pending');
      return this.repo.acceptCsr(job_id, body.csr_pem, tx);
    });
    getLogger().info({ job_id, agent_id: id, key: `${csr.keyType}-${csr.keySize}` }, 'CSR accepted; job queued for signing');
    await this.jobs?.enqueueIssuance(job_id, job.certificateId, job.traceparent ?? undefined).catch((err: unknown) => {
      getLogger().warn({ job_id, err: (err as Error).message }, 'could not queue the job now; reconciliation will');
    });
    return toJobDto(updated);
  }

  /** One of this agent's jobs, with the issued certificate once it is complete. */
  async job({ id, job_id }: RpcRequestParsed<typeof AgentRpc.job>): Promise<RpcResponse<typeof AgentRpc.job>> {
    const job = await this.repo.findJob(job_id);
    if (!job || job.agentId !== id) throw AppError.notFound('job', job_id);
    // A deployment job carries the version it deploys; an issuance job shows its result once complete.
    const deployVersion = job.type === 'deployment' ? (job.result as { version_id?: string } | null)?.version_id : undefined;
    const version = deployVersion
      ? await this.repo.findVersion(deployVersion)
      : job.status === 'completed'
        ? await this.repo.findVersionOfJob(job_id)
        : null;
    const target = job.type === 'deployment' && job.targetId ? await this.repo.findTarget(job.targetId) : null;
    return {
      ...toJobDto(job),
      certificate_pem: version?.certificatePem ?? null,
      chain_pem: version?.chainPem ?? null,
      // The agent needs the secrets it deploys with (a keystore password, an SSH passphrase) in clear; only it gets them.
      target: target
        ? {
            id: target.id,
            name: target.name,
            type: target.type,
            config: this.box
              ? openSecretFields(this.box, target.config, (path) => targetAad(target.id, path))
              : (target.config as Record<string, unknown>),
          }
        : null,
    };
  }
}

/** The job's result with the agent's report merged over it. */
function mergedResult(row: JobRow, reported: Record<string, unknown>): Prisma.InputJsonValue {
  return { ...((row.result ?? {}) as Record<string, unknown>), ...reported } as Prisma.InputJsonValue;
}

function parseSubmittedCsr(pem: string) {
  return translatePkiErrors(() => parseCsr(pem), { field: 'csr_pem' });
}

/** Why the CSR does not fit the job: a bad signature, names other than the certificate's, a key the profile refuses. */
export function csrProblems(csr: Awaited<ReturnType<typeof parseCsr>>, job: JobWithCsrContext): string[] {
  const problems: string[] = [];
  if (!csr.signatureValid) problems.push('its signature does not verify');
  const want = new Set(job.certificate.sans.map((name) => name.toLowerCase()));
  const got = new Set([...(csr.commonName ? [csr.commonName] : []), ...csr.sans].map((name) => name.toLowerCase()));
  const extra = [...got].filter((name) => !want.has(name));
  const absent = [...want].filter((name) => !got.has(name));
  if (extra.length) problems.push(`it names ${extra.join(', ')}, which the certificate does not`);
  if (absent.length) problems.push(`it lacks ${absent.join(', ')}`);
  const rules = (job.certificate.profile?.allowedKeyAlgorithms ?? []) as KeyRule[];
  const keyOk =
    rules.length === 0 ||
    rules.some((rule) => rule.algorithm?.toUpperCase() === csr.keyType.toUpperCase() && csr.keySize >= (rule.min_size ?? 0));
  if (!keyOk) problems.push(`its ${csr.keyType} ${csr.keySize}-bit key is not allowed by the profile`);
  return problems;
}
