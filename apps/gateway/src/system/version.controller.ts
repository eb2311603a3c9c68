import { Controller, Get } from '@nestjs/common';
import { Public } from '@certctl/platform';

/**
 * Public by design (clients and agents check compatibility before they hold a key), so it
 * says only the product and its version: no runtime, commit or start time to fingerprint.
 */
@Public()
@Controller('api/v1')
export class VersionController {
  @Get('version')
  version() {
    return { name: 'certctl-ts', version: process.env.npm_package_version ?? process.env.CERTCTL_VERSION ?? '0.1.0' };
  }
}
