import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryHealthCheck as Contract, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { HealthCheckService } from './health-check.service';

@Controller()
export class HealthCheckHandler {
  constructor(private readonly checks: HealthCheckService) {}

  @RpcHandler(Contract.create)
  create(@Payload() req: RpcRequestParsed<typeof Contract.create>) {
    return this.checks.create(req);
  }

  @RpcHandler(Contract.get)
  get(@Payload() req: RpcRequestParsed<typeof Contract.get>) {
    return this.checks.get(req.id);
  }

  @RpcHandler(Contract.list)
  list(@Payload() req: RpcRequestParsed<typeof Contract.list>) {
    return this.checks.list(req);
  }

  @RpcHandler(Contract.update)
  update(@Payload() req: RpcRequestParsed<typeof Contract.update>) {
    return this.checks.update(req);
  }

  @RpcHandler(Contract.delete)
  delete(@Payload() req: RpcRequestParsed<typeof Contract.delete>) {
    return this.checks.delete(req);
  }

  @RpcHandler(Contract.history)
  history(@Payload() req: RpcRequestParsed<typeof Contract.history>) {
    return this.checks.history(req);
  }

  @RpcHandler(Contract.summary)
  summary() {
    return this.checks.summary();
  }

  @RpcHandler(Contract.checkNow)
  checkNow(@Payload() req: RpcRequestParsed<typeof Contract.checkNow>) {
    return this.checks.checkNow(req);
  }

  @RpcHandler(Contract.claimDue)
  claimDue(@Payload() req: RpcRequestParsed<typeof Contract.claimDue>) {
    return this.checks.claimDue(req.limit);
  }

  @RpcHandler(Contract.record)
  record(@Payload() req: RpcRequestParsed<typeof Contract.record>) {
    return this.checks.record(req);
  }

  @RpcHandler(Contract.pruneResults)
  pruneResults(@Payload() req: RpcRequestParsed<typeof Contract.pruneResults>) {
    return this.checks.pruneResults(req);
  }
}
