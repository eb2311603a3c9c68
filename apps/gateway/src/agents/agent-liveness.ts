import { Inject, Injectable } from '@nestjs/common';
import { AgentRpc, AppError } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** The answer of every agent route of a retired agent (the agent exits cleanly on it). */
export function agentRetiredError(agentId: string): AppError {
  return new AppError('agent_retired', `Agent ${JSON.stringify(agentId)} has been retired; its routes are gone.`);
}

/**
 * Whether an agent is retired, asked once per agent per CERTCTL_API_KEY_CACHE_MS (like API
 * keys): retirement is final, so a retired agent is remembered for good; a retire through
 * this replica counts at once, through another replica within the window.
 */
@Injectable()
export class AgentLiveness {
  private readonly retired = new Set<string>();
  private readonly activeUntil = new Map<string, number>();

  constructor(
    private readonly rpc: RpcClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Throws `agent_retired` (410) for a retired agent, `not_found` for an unknown one. */
  async assertNotRetired(agentId: string): Promise<void> {
    if (this.retired.has(agentId)) throw agentRetiredError(agentId);
    if ((this.activeUntil.get(agentId) ?? 0) > Date.now()) return;
    const agent = await this.rpc.request(AgentRpc.get, { id: agentId });
    if (agent.status === 'retired') {
      this.markRetired(agentId);
      throw agentRetiredError(agentId);
    }
    if (this.activeUntil.size > 10000) this.activeUntil.clear();
    this.activeUntil.set(agentId, Date.now() + this.config.CERTCTL_API_KEY_CACHE_MS);
  }

  markRetired(agentId: string): void {
    this.retired.add(agentId);
    this.activeUntil.delete(agentId);
  }
}
