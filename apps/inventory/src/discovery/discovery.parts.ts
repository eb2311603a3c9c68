import { DiscoveryTriageService } from './discovery-triage.service';
import { DiscoveryHandler, ScanTargetHandler } from './discovery.handler';
import { DiscoveryRepository } from './discovery.repository';
import { DiscoveryService } from './discovery.service';
import { ScanTargetRepository } from './scan-target.repository';
import { ScanTargetService } from './scan-target.service';

/** Discovered certificates and network scan targets: what the inventory module registers for them. */
export const DISCOVERY_HANDLERS = [DiscoveryHandler, ScanTargetHandler];
export const DISCOVERY_PROVIDERS = [DiscoveryRepository, ScanTargetRepository, DiscoveryService, DiscoveryTriageService, ScanTargetService];
