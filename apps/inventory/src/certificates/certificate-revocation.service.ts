import { Injectable } from '@nestjs/common';
import { AppError, type RevocationRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { statusesLeadingTo } from './certificate-state';
import { CertificateRepository } from './certificate.repository';

export type RevokeRequest = RpcRequestParsed<typeof RevocationRpc.inventoryRevoke>;

/** Certificate status changes asked for by the revocation service (inventory owns the status). */
@Injectable()
export class CertificateRevocationService {
  constructor(private readonly repo: CertificateRepository) {}

  /** Marks a certificate revoked (idempotent); removeFromCRL lifts a certificateHold back to active. */
  async revoke(req: RevokeRequest): Promise<RpcResponse<typeof RevocationRpc.inventoryRevoke>> {
    const cert = await this.repo.findRevocationState(req.certificate_id);
    if (!cert) throw AppError.notFound('certificate', req.certificate_id);
    if (req.reason === 'removeFromCRL') {
      if (cert.status !== 'revoked' || cert.revocationReason !== 'certificateHold') {
        return { certificate_id: req.certificate_id, status: cert.status, changed: false };
      }
      await this.repo.liftHold(req.certificate_id);
      return { certificate_id: req.certificate_id, status: 'active', changed: true };
    }
    const changed = await this.repo.markRevoked(req.certificate_id, statusesLeadingTo('revoked'), req.reason, new Date(req.revoked_at));
    if (changed) getLogger().info({ certificate_id: req.certificate_id, reason: req.reason, actor: req.actor }, 'certificate revoked');
    return { certificate_id: req.certificate_id, status: 'revoked', changed };
  }

  async bySerial(
    req: RpcRequestParsed<typeof RevocationRpc.inventoryBySerial>,
  ): Promise<RpcResponse<typeof RevocationRpc.inventoryBySerial>> {
    const version = await this.repo.findVersionBySerial(req.issuer_id, req.serial_number);
    if (!version) return { found: false, certificate_id: null, not_before: null, not_after: null };
    return {
      found: true,
      certificate_id: version.certificateId,
      not_before: version.notBefore.toISOString(),
      not_after: version.notAfter.toISOString(),
    };
  }
}
