import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  type BulkRevokeBody,
  Permission,
  RevocationRpc,
  type RevokeBody,
  bulkRevocationSchema,
  bulkRevokeBodySchema,
  revocationSchema,
  revokeBodySchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';
import { idParam } from '../http/params';
import { PublicResponseCache } from '../http/public-cache';

/** Revoking certificates, one at a time (operator) or in bulk (admin). CRL/OCSP are public, under /.well-known/pki. */
@Controller('api/v1/certificates')
export class RevocationController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly publicCache: PublicResponseCache,
  ) {}

  @Post(':id/revoke')
  @HttpCode(200)
  @Endpoint({
    permission: Permission.CertificatesRevoke,
    tag: 'revocation',
    summary:
      'Revoke a certificate with an RFC 5280 reason (removeFromCRL lifts a certificateHold); revoking again returns the first revocation',
    action: 'certificate.revoke',
    resource: 'certificate',
    body: revokeBodySchema,
    response: revocationSchema,
    errors: [404, 409],
  })
  async revoke(@Param('id') id: string, @Body() body: RevokeBody, @Req() req: GatewayRequest) {
    const out = await this.rpc.request(RevocationRpc.revoke, {
      actor: actorOf(req.principal!),
      certificate_id: idParam(id),
      reason: body.reason,
    });
    // The caller may ask OCSP next: no cached "good" from this replica (the others hear the event).
    this.publicCache.purge('revocation_forwarded');
    return out;
  }

  @Post('bulk-revoke')
  @HttpCode(202)
  @Endpoint({
    permission: Permission.CertificatesBulkRevoke,
    tag: 'revocation',
    summary: 'Revoke many certificates (by ids, or by issuer/owner/team); returns a bulk job to poll for progress',
    action: 'certificate.bulk_revoke',
    resource: 'bulk_revocation',
    body: bulkRevokeBodySchema,
    response: bulkRevocationSchema,
    status: 202,
    errors: [422],
  })
  async bulk(@Body() body: BulkRevokeBody, @Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const out = await this.rpc.request(RevocationRpc.bulkStart, { actor: actorOf(req.principal!), ...body });
    void reply.header('location', `/api/v1/certificates/bulk-revoke/${out.id}`);
    return out;
  }

  @Get('bulk-revoke/:id')
  @Endpoint({
    permission: Permission.CertificatesBulkRevoke,
    tag: 'revocation',
    summary: 'Progress of a bulk revocation',
    response: bulkRevocationSchema,
    errors: [404],
  })
  bulkGet(@Param('id') id: string) {
    return this.rpc.request(RevocationRpc.bulkGet, { id: idParam(id) });
  }
}
