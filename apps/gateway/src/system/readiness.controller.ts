import { Controller, Get } from '@nestjs/common';
import { Permission, platformReadinessSchema } from '@certctl/contracts';
import { Endpoint } from '../http/endpoint';
import { ReadinessService } from './readiness.service';

@Controller('api/v1/system')
export class ReadinessController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('readiness')
  @Endpoint({
    permission: Permission.CertificatesRead,
    tag: 'system',
    summary:
      "Every service's readiness (gateway, inventory, issuance, acme, revocation, scheduler, notifications), asked of each one's /ready: 200 with ready false when one is not",
    response: platformReadinessSchema,
  })
  check() {
    return this.readiness.check();
  }
}
