import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { AgentRpc, type RpcRequestParsed, type registerAgentBodySchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AgentLiveness } from './agent-liveness';
import type { Principal } from '../auth/principal';

type Actor = RpcRequestParsed<typeof AgentRpc.register>['actor'];

/**
 * Registering an agent: inventory creates it, then the gateway mints its API key of role
 * `agent` bound to it (shown once). The admin route and the bootstrap exchange both do this.
 */
@Injectable()
export class AgentEnrolment {
  constructor(
    private readonly rpc: RpcClient,
    private readonly keys: ApiKeysService,
    private readonly liveness: AgentLiveness,
  ) {}

  /** `creator` is the calling key (null for a bootstrap token: the new key is its own owner). */
  async enrol(body: z.output<typeof registerAgentBodySchema>, actor: Actor, creator: Principal | null) {
    const agent = await this.rpc.request(AgentRpc.register, { actor, body });
    const key = await this.keys.create(
      { name: `agent-${agent.id}`.toLowerCase(), role: 'agent', agent_id: agent.id, principal: `agent:${agent.name}` },
      creator,
    );
    // Just registered, so not retired: its first heartbeat need not ask inventory.
    this.liveness.markActive(agent.id);
    return { id: agent.id, agent, api_key: key.key };
  }
}
