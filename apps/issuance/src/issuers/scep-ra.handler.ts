import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { IssuanceScepRa, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { IssuerService } from './issuer.service';
import { issuePlatformLeaf } from './platform-leaf';

const issued = counter('certctl_issuance_scep_ra_certificates_total', 'SCEP RA certificates issued for enrollment profiles', ['issuer_id']);

/**
 * The SCEP RA certificate of an enrollment profile (RFC 8894 §2.1: the RA signs CertReps and
 * is the recipient of requests). The key pair is RSA-2048, because SCEP clients encrypt to
 * the RA with RSA key transport; it is sent in the reply once and kept nowhere here: the
 * gateway seals it in its own table. Digital signature and key encipherment only, no EKU.
 */
@Controller()
export class ScepRaHandler {
  constructor(private readonly issuers: IssuerService) {}

  @RpcHandler(IssuanceScepRa.issue)
  async issue(@Payload() req: RpcRequestParsed<typeof IssuanceScepRa.issue>): Promise<RpcResponse<typeof IssuanceScepRa.issue>> {
    const { leaf, chain, privateKeyPem, dates } = await issuePlatformLeaf(this.issuers, {
      issuerId: req.issuer_id,
      keyAlgorithm: 'RSA-2048',
      commonName: `certctl SCEP RA ${req.profile_label}`,
      sans: [],
      validityDays: req.validity_days,
      ekus: [],
      keyUsages: ['digitalSignature', 'keyEncipherment'],
    });
    issued.inc({ issuer_id: req.issuer_id });
    getLogger().info(
      { issuer_id: req.issuer_id, profile: req.profile_label, serial: leaf.serialNumber, not_after: leaf.notAfter },
      'SCEP RA certificate issued',
    );
    return {
      serial_number: leaf.serialNumber,
      certificate_pem: leaf.certificatePem,
      chain_pem: chain.join(''),
      private_key_pem: privateKeyPem,
      ...dates,
    };
  }
}
