import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AgentRpc, AppError, GatewayCredentialEvents } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { TtlLruCache } from '../auth/key-cache';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** The answer of every agent route of a retired agent (the agent exits cleanly on it). */
export function agentRetiredError(agentId: string): AppError {
  return new AppError('agent_retired', `Agent ${JSON.stringify(agentId)} has been retired; its routes are gone.`);
}

/**
 * Whether an agent is retired, asked once per agent per CERTCTL_API_KEY_CACHE_MS (like API
 * keys, at most CERTCTL_API_KEY_CACHE_MAX agents remembered): retirement is final, so a retired
 * agent is remembered for good. A retire through this replica counts at once here and is
 * broadcast (`agent.retired`) so every other replica counts it at once too; a replica that loses
 * the bus asks again about every agent once it reconnects.
 */
@Injectable()
export class AgentLiveness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly retired = new Set<string>();
  private readonly active: TtlLruCache<true>;
  private unsubscribe?: () => void;

  constructor(
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.active = new TtlLruCache(config.CERTCTL_API_KEY_CACHE_MS, config.CERTCTL_API_KEY_CACHE_MAX ?? 50000);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.rpc.onEvent(GatewayCredentialEvents.agentRetired, ({ agent_id }) => this.markRetired(agent_id));
    this.rpc.onReconnect(() => this.active.clear());
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  /** Throws `agent_retired` (410) for a retired agent, `not_found` for an unknown one. */
  async assertNotRetired(agentId: string): Promise<void> {
    if (this.retired.has(agentId)) throw agentRetiredError(agentId);
    if (this.active.get(agentId)) return;
    const agent = await this.rpc.request(AgentRpc.get, { id: agentId });
    if (agent.status === 'retired') {
      this.markRetired(agentId);
      throw agentRetiredError(agentId);
    }
    this.active.set(agentId, true);
  }

  /** An agent this replica just registered (a retire later still counts at once: markRetired). */
  markActive(agentId: string): void {
    if (!this.retired.has(agentId)) this.active.set(agentId, true);
  }

  markRetired(agentId: string): void {
    this.retired.add(agentId);
    this.active.delete(agentId);
  }

  /** After a retire through this replica: here at once, on every other replica when the bus brings it. */
  async retiredHere(agentId: string): Promise<void> {
    this.markRetired(agentId);
    await this.rpc.broadcast(GatewayCredentialEvents.agentRetired, { agent_id: agentId }).catch((err: unknown) => {
      getLogger().error({ agent_id: agentId, err: (err as Error).message }, 'could not tell the other gateway replicas of a retire');
    });
  }
}
