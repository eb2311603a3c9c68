import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryHealthCheck, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { HealthCheckService } from './health-check.service';

@Controller()
export class HealthCheckHandler {
  constructor(private readonly checks: HealthCheckService) {}

  @RpcHandler(InventoryHealthCheck.create)
  create(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.create>) {
    return this.checks.create(req);
  }

  @RpcHandler(InventoryHealthCheck.get)
  get(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.get>) {
    return this.checks.get(req.id);
  }

  @RpcHandler(InventoryHealthCheck.list)
  list(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.list>) {
    return this.checks.list(req);
  }

  @RpcHandler(InventoryHealthCheck.update)
  update(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.update>) {
    return this.checks.update(req);
  }

  @RpcHandler(InventoryHealthCheck.delete)
  delete(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.delete>) {
    return this.checks.delete(req);
  }

  @RpcHandler(InventoryHealthCheck.history)
  history(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.history>) {
    return this.checks.history(req);
  }

  @RpcHandler(InventoryHealthCheck.summary)
  summary() {
    return this.checks.summary();
  }

  @RpcHandler(InventoryHealthCheck.checkNow)
  checkNow(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.checkNow>) {
    return this.checks.checkNow(req);
  }

  @RpcHandler(InventoryHealthCheck.claimDue)
  claimDue(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.claimDue>) {
    return this.checks.claimDue(req.limit);
  }

  @RpcHandler(InventoryHealthCheck.record)
  record(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.record>) {
    return this.checks.record(req);
  }

  @RpcHandler(InventoryHealthCheck.pruneResults)
  pruneResults(@Payload() req: RpcRequestParsed<typeof InventoryHealthCheck.pruneResults>) {
    return this.checks.pruneResults(req);
  }
}
