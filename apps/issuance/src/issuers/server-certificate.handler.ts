import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PlatformTlsRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { IssuerService } from './issuer.service';
import { issuePlatformLeaf } from './platform-leaf';

const served = counter('certctl_issuance_server_certificates_total', 'Server certificates issued for the platform itself', ['requester']);

/**
 * Server certificates for the platform's own listeners (the gateway's HTTPS port). The key
 * pair is made here (ECDSA P-256), the private key is sent in the reply once and kept
 * nowhere: the caller writes it to its own file. Only serverAuth leaves, at most 397 days.
 */
@Controller()
export class ServerCertificateHandler {
  constructor(private readonly issuers: IssuerService) {}

  @RpcHandler(PlatformTlsRpc.serverCertificateIssue)
  async issue(
    @Payload() req: RpcRequestParsed<typeof PlatformTlsRpc.serverCertificateIssue>,
  ): Promise<RpcResponse<typeof PlatformTlsRpc.serverCertificateIssue>> {
    const {
      ca,
      chain: cas,
      leaf,
      privateKeyPem,
      dates,
    } = await issuePlatformLeaf(this.issuers, {
      issuerId: req.issuer_id,
      keyAlgorithm: 'ECDSA-P256',
      commonName: req.names.find((n) => n.length <= 64 && !n.startsWith('*')) ?? 'certctl-ts platform',
      sans: req.names,
      validityDays: req.validity_days,
      ekus: ['serverAuth'],
    });
    served.inc({ requester: req.requester });
    getLogger().info(
      { issuer_id: req.issuer_id, requester: req.requester, serial: leaf.serialNumber, names: req.names, not_after: leaf.notAfter },
      'platform server certificate issued',
    );
    return {
      serial_number: leaf.serialNumber,
      certificate_pem: leaf.certificatePem,
      chain_pem: cas.slice(0, -1).join(''),
      root_pem: cas[cas.length - 1] ?? ca.certificatePem,
      private_key_pem: privateKeyPem,
      ...dates,
    };
  }
}
