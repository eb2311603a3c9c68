import { Controller, Injectable } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AppError, RevocationRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { RpcHandler } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from './certificate-state';

type RevokeRequest = RpcRequestParsed<typeof RevocationRpc.inventoryRevoke>;

/** Certificate status changes asked for by the revocation service (inventory owns the status). */
@Injectable()
export class CertificateRevocationService {
  constructor(private readonly db: PrismaService) {}

  /** Marks a certificate revoked (idempotent); removeFromCRL lifts a certificateHold back to active. */
  async revoke(req: RevokeRequest): Promise<RpcResponse<typeof RevocationRpc.inventoryRevoke>> {
    const cert = await this.db.certificate.findUnique({
      where: { id: req.certificate_id },
      select: { status: true, revocationReason: true },
    });
    if (!cert) throw AppError.notFound('certificate', req.certificate_id);
    if (req.reason === 'removeFromCRL') {
      if (cert.status !== 'revoked' || cert.revocationReason !== 'certificateHold') {
        return { certificate_id: req.certificate_id, status: cert.status, changed: false };
      }
      await this.db.certificate.update({
        where: { id: req.certificate_id },
        data: { status: 'active', revokedAt: null, revocationReason: null },
      });
      return { certificate_id: req.certificate_id, status: 'active', changed: true };
    }
    const updated = await this.db.certificate.updateMany({
      where: {
        id: req.certificate_id,
        status: { in: statusesLeadingTo('revoked') },
        NOT: { status: 'revoked', revocationReason: req.reason },
      },
      data: { status: 'revoked', revokedAt: new Date(req.revoked_at), revocationReason: req.reason },
    });
    if (updated.count > 0)
      getLogger().info({ certificate_id: req.certificate_id, reason: req.reason, actor: req.actor }, 'certificate revoked');
    return { certificate_id: req.certificate_id, status: 'revoked', changed: updated.count > 0 };
  }

  async bySerial(
    req: RpcRequestParsed<typeof RevocationRpc.inventoryBySerial>,
  ): Promise<RpcResponse<typeof RevocationRpc.inventoryBySerial>> {
    const v = await this.db.certificateVersion.findUnique({
      where: { issuerId_serialNumber: { issuerId: req.issuer_id, serialNumber: req.serial_number } },
      select: { certificateId: true, notBefore: true, notAfter: true },
    });
    if (!v) return { found: false, certificate_id: null, not_before: null, not_after: null };
    return { found: true, certificate_id: v.certificateId, not_before: v.notBefore.toISOString(), not_after: v.notAfter.toISOString() };
  }
}

@Controller()
export class CertificateRevocationHandler {
  constructor(private readonly service: CertificateRevocationService) {}

  @RpcHandler(RevocationRpc.inventoryRevoke)
  revoke(@Payload() req: RevokeRequest) {
    return this.service.revoke(req);
  }

  @RpcHandler(RevocationRpc.inventoryBySerial)
  bySerial(@Payload() req: RpcRequestParsed<typeof RevocationRpc.inventoryBySerial>) {
    return this.service.bySerial(req);
  }
}
