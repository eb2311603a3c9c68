import { Inject, Injectable } from '@nestjs/common';
import type { CapacityPlanDto, RpcRequestParsed, InventoryReissuance } from '@certctl/contracts';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { capacityPlan } from './capacity-plan';
import { CapacityRepository } from './capacity.repository';

const WINDOW_MINUTES = 60;
const DUE_HORIZON_DAYS = 30;

/** Gathers the planner's inputs (inventory, observed issuances or the configured figure) and runs the arithmetic. */
@Injectable()
export class CapacityService {
  constructor(
    private readonly repo: CapacityRepository,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async plan(query: RpcRequestParsed<typeof InventoryReissuance.capacity>): Promise<CapacityPlanDto> {
    const [groups, peakDuePerHour, issued] = await Promise.all([
      this.repo.fleet(),
      this.repo.peakDuePerHour(DUE_HORIZON_DAYS),
      this.repo.issued(WINDOW_MINUTES),
    ]);
    const configured = this.config.CERTCTL_CAPACITY_ISSUANCES_PER_SECOND;
    const measured = issued.busiestMinute > 0 ? issued.busiestMinute / 60 : null;
    const capacity = {
      perSecond: configured ?? measured,
      source: configured ? ('configured' as const) : measured ? ('measured' as const) : ('unknown' as const),
      windowMinutes: WINDOW_MINUTES,
      issuedInWindow: issued.total,
    };
    const fleetSize = groups.reduce((n, g) => n + g.count, 0);
    return capacityPlan({ now: new Date(), groups, peakDuePerHour, capacity, massCount: query.reissue ?? fleetSize });
  }
}
