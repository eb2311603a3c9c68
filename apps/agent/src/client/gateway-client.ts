import type { z } from 'zod';
import type { agentJobSchema, agentSchema, agentWorkSchema } from '@certctl/contracts';
import { DISCOVERY_BATCH_LIMITS, type DiscoveryAnswer, sendDiscoveryReport } from './discovery-batches';
import { type HttpOptions, requestJson } from './http';

export type AgentJob = z.infer<typeof agentJobSchema>;
export type AgentWork = z.infer<typeof agentWorkSchema>;
export type CsrJob = AgentWork['awaiting_csr'][number];
export type AgentDto = z.infer<typeof agentSchema>;

export interface HeartbeatBody {
  hostname: string;
  os: string;
  architecture: string;
  version: string;
  ip_addresses: string[];
}

export interface JobReport {
  status: 'running' | 'completed' | 'failed';
  error?: string;
  result?: Record<string, unknown>;
}

export interface DiscoveryReport {
  scanned_at: string;
  directories: string[];
  certificates: { path: string; format: 'pem' | 'der' | 'pkcs12'; certificate_pem: string }[];
  errors: { path: string; error: string }[];
}

/** The gateway's agent routes, as this agent calls them (agent:self with its API key). */
export class GatewayClient {
  constructor(
    private readonly http: HttpOptions,
    private readonly agentId: string,
    private readonly apiKey: string,
  ) {}

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return requestJson<T>(this.http, method, `/api/v1/agents/${encodeURIComponent(this.agentId)}${path}`, this.apiKey, body);
  }

  heartbeat(body: HeartbeatBody): Promise<unknown> {
    return this.call('POST', '/heartbeat', body);
  }

  work(limit = 10): Promise<AgentWork> {
    return this.call('GET', `/work?limit=${limit}`);
  }

  job(jobId: string): Promise<AgentJob> {
    return this.call('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  submitCsr(jobId: string, csrPem: string): Promise<unknown> {
    return this.call('POST', `/jobs/${encodeURIComponent(jobId)}/csr`, { csr_pem: csrPem });
  }

  report(jobId: string, report: JobReport): Promise<unknown> {
    return this.call('POST', `/jobs/${encodeURIComponent(jobId)}/status`, report);
  }

  /** Sends the report in as many requests as the gateway's body and entry limits need; the answers come back merged. */
  discoveries(report: DiscoveryReport, limits = DISCOVERY_BATCH_LIMITS): Promise<DiscoveryAnswer & { requests: number }> {
    return sendDiscoveryReport(report, (batch) => this.call<DiscoveryAnswer>('POST', '/discoveries', batch), limits);
  }
}

/** Exchanges a one-time bootstrap token for an agent and its API key (`POST /api/v1/agents/bootstrap`). */
export function bootstrapAgent(
  http: HttpOptions,
  token: string,
  name: string,
  hostname: string,
): Promise<{ agent: AgentDto; api_key: string }> {
  return requestJson(http, 'POST', '/api/v1/agents/bootstrap', token, { name, hostname });
}
