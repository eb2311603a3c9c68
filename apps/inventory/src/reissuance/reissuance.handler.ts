import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InventoryReissuance, type RpcRequestParsed } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { CapacityService } from '../capacity/capacity.service';
import { ReissuanceDriver } from './reissuance-driver.service';
import { ReissuanceService } from './reissuance.service';

type Req<K extends keyof typeof InventoryReissuance> = RpcRequestParsed<(typeof InventoryReissuance)[K]>;

@Controller()
export class ReissuanceHandler {
  constructor(
    private readonly campaigns: ReissuanceService,
    private readonly driver: ReissuanceDriver,
    private readonly capacity: CapacityService,
  ) {}

  @RpcHandler(InventoryReissuance.create)
  create(@Payload() req: Req<'create'>) {
    return this.campaigns.create(req);
  }

  @RpcHandler(InventoryReissuance.get)
  get(@Payload() req: Req<'get'>) {
    return this.campaigns.get(req.id);
  }

  @RpcHandler(InventoryReissuance.list)
  list(@Payload() req: Req<'list'>) {
    return this.campaigns.list(req);
  }

  @RpcHandler(InventoryReissuance.act)
  act(@Payload() req: Req<'act'>) {
    return this.campaigns.act(req);
  }

  @RpcHandler(InventoryReissuance.items)
  items(@Payload() req: Req<'items'>) {
    return this.campaigns.items(req);
  }

  @RpcHandler(InventoryReissuance.retryItem)
  retryItem(@Payload() req: Req<'retryItem'>) {
    return this.campaigns.retryItem(req);
  }

  @RpcHandler(InventoryReissuance.tick)
  tick() {
    return this.driver.tick();
  }

  @RpcHandler(InventoryReissuance.capacity)
  plan(@Payload() req: Req<'capacity'>) {
    return this.capacity.plan(req);
  }
}
