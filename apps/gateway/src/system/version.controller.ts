import { Controller, Get } from '@nestjs/common';
import { Public } from '@certctl/platform';

const started = new Date().toISOString();

@Public()
@Controller('api/v1')
export class VersionController {
  @Get('version')
  version() {
    return {
      name: 'certctl-ts',
      version: process.env.npm_package_version ?? process.env.CERTCTL_VERSION ?? '0.1.0',
      commit: process.env.CERTCTL_COMMIT ?? null,
      node: process.version,
      started_at: started,
    };
  }
}
