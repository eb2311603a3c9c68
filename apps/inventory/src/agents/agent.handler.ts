import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AgentRpc, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { AgentService } from './agent.service';

@Controller()
export class AgentHandler {
  constructor(private readonly agents: AgentService) {}

  @RpcHandler(AgentRpc.register)
  register(@Payload() req: RpcRequestParsed<typeof AgentRpc.register>) {
    return this.agents.register(req);
  }

  @RpcHandler(AgentRpc.heartbeat)
  heartbeat(@Payload() req: RpcRequestParsed<typeof AgentRpc.heartbeat>) {
    return this.agents.heartbeat(req);
  }

  @RpcHandler(AgentRpc.retire)
  retire(@Payload() req: RpcRequestParsed<typeof AgentRpc.retire>) {
    return this.agents.retire(req);
  }

  @RpcHandler(AgentRpc.get)
  get(@Payload() req: RpcRequestParsed<typeof AgentRpc.get>) {
    return this.agents.get(req.id);
  }

  @RpcHandler(AgentRpc.list)
  list(@Payload() req: RpcRequestParsed<typeof AgentRpc.list>) {
    return this.agents.list(req);
  }

  @RpcHandler(AgentRpc.claimWork)
  claim(@Payload() req: RpcRequestParsed<typeof AgentRpc.claimWork>) {
    return this.agents.claim(req.id, req.limit);
  }

  @RpcHandler(AgentRpc.jobStatus)
  status(@Payload() req: RpcRequestParsed<typeof AgentRpc.jobStatus>) {
    return this.agents.reportStatus(req);
  }

  @RpcHandler(AgentRpc.submitCsr)
  submitCsr(@Payload() req: RpcRequestParsed<typeof AgentRpc.submitCsr>) {
    return this.agents.submitCsr(req);
  }

  @RpcHandler(AgentRpc.job)
  job(@Payload() req: RpcRequestParsed<typeof AgentRpc.job>) {
    return this.agents.job(req);
  }
}
