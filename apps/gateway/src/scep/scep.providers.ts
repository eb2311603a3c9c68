import { ScepChallengesService } from './scep-challenges.service';
import { ScepRaService } from './scep-ra.service';
import { ScepService } from './scep.service';
import { ScepRepository } from './scep.repository';

/** The gateway's SCEP parts (the edge itself is installed on Fastify in main.ts). */
export const SCEP_PROVIDERS = [ScepRepository, ScepRaService, ScepChallengesService, ScepService];
