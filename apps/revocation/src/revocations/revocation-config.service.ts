import { Inject, Injectable } from '@nestjs/common';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';

/** Derived settings shared by the revocation features. */
@Injectable()
export class RevocationConfigService {
  constructor(@Inject(REVOCATION_CONFIG) readonly config: RevocationConfig) {}

  get shortLivedMs(): number {
    return this.config.CERTCTL_SHORT_LIVED_SECONDS * 1000;
  }
}
