import { CapacityRepository } from '../capacity/capacity.repository';
import { CapacityService } from '../capacity/capacity.service';
import { ReissuanceDriverRepository } from './reissuance-driver.repository';
import { ReissuanceDriver } from './reissuance-driver.service';
import { ReissuanceHandler } from './reissuance.handler';
import { ReissuanceRepository } from './reissuance.repository';
import { ReissuanceService } from './reissuance.service';

/** Fleet re-issuance campaigns and the capacity planner, as the inventory module lists them. */
export const REISSUANCE_HANDLERS = [ReissuanceHandler];
export const REISSUANCE_PROVIDERS = [
  ReissuanceRepository,
  ReissuanceDriverRepository,
  ReissuanceService,
  ReissuanceDriver,
  CapacityRepository,
  CapacityService,
];
