import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryDiscovery, InventoryNetworkScan, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { DiscoveryTriageService } from './discovery-triage.service';
import { DiscoveryService } from './discovery.service';
import { ScanTargetService } from './scan-target.service';

@Controller()
export class DiscoveryHandler {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly triage: DiscoveryTriageService,
  ) {}

  @RpcHandler(InventoryDiscovery.report)
  report(@Payload() req: RpcRequestParsed<typeof InventoryDiscovery.report>) {
    return this.discovery.report(req.agent_id, req.body);
  }

  @RpcHandler(InventoryDiscovery.list)
  list(@Payload() req: RpcRequestParsed<typeof InventoryDiscovery.list>) {
    return this.discovery.list(req);
  }

  @RpcHandler(InventoryDiscovery.get)
  get(@Payload() req: RpcRequestParsed<typeof InventoryDiscovery.get>) {
    return this.discovery.get(req.id);
  }

  @RpcHandler(InventoryDiscovery.summary)
  summary() {
    return this.discovery.summary();
  }

  @RpcHandler(InventoryDiscovery.claim)
  claim(@Payload() req: RpcRequestParsed<typeof InventoryDiscovery.claim>) {
    return this.triage.claim(req.actor, req.id, req.body);
  }

  @RpcHandler(InventoryDiscovery.dismiss)
  dismiss(@Payload() req: RpcRequestParsed<typeof InventoryDiscovery.dismiss>) {
    return this.triage.dismiss(req.actor, req.id, req.body.reason);
  }
}

@Controller()
export class ScanTargetHandler {
  constructor(private readonly targets: ScanTargetService) {}

  @RpcHandler(InventoryNetworkScan.create)
  create(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.create>) {
    return this.targets.create(req.actor, req.body);
  }

  @RpcHandler(InventoryNetworkScan.list)
  list(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.list>) {
    return this.targets.list(req);
  }

  @RpcHandler(InventoryNetworkScan.get)
  get(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.get>) {
    return this.targets.get(req.id);
  }

  @RpcHandler(InventoryNetworkScan.update)
  update(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.update>) {
    return this.targets.update(req.actor, req.id, req.body);
  }

  @RpcHandler(InventoryNetworkScan.delete)
  remove(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.delete>) {
    return this.targets.delete(req.actor, req.id);
  }

  @RpcHandler(InventoryNetworkScan.run)
  run(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.run>) {
    return this.targets.run(req.actor, req.id);
  }

  @RpcHandler(InventoryNetworkScan.claimDue)
  claimDue(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.claimDue>) {
    return this.targets.claimDue(req.limit);
  }

  @RpcHandler(InventoryNetworkScan.record)
  record(@Payload() req: RpcRequestParsed<typeof InventoryNetworkScan.record>) {
    return this.targets.record(req.id, req.findings, req.result);
  }
}
