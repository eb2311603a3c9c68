import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  type ImportCertificateBody,
  InventoryCertificate,
  Permission,
  importCertificateBodySchema,
  importCertificateResponseSchema,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { type GatewayRequest, actorOf } from '../auth/principal';
import { Endpoint } from '../http/endpoint';

/** Importing a certificate issued elsewhere (`certctl certs import`, docs/cli.md). */
@Controller('api/v1/certificates')
export class CertificateImportController {
  constructor(private readonly rpc: RpcClient) {}

  @Post('import')
  @HttpCode(201)
  @Endpoint({
    permission: Permission.CertificatesWrite,
    tag: 'certificates',
    summary:
      'Import a certificate issued elsewhere (leaf PEM and its chain) as a managed certificate, without issuing anything; its key stays where it is deployed; renewals go to issuer_id (default: the discovery import issuer); 409 when a version with its fingerprint is already managed',
    action: 'certificate.import',
    resource: 'certificate',
    body: importCertificateBodySchema,
    response: importCertificateResponseSchema,
    status: 201,
    errors: [409],
  })
  async import(@Body() body: ImportCertificateBody, @Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const out = await this.rpc.request(InventoryCertificate.import, { actor: actorOf(req.principal!), body });
    req.auditResourceId = out.certificate.id;
    void reply.header('location', `/api/v1/certificates/${out.certificate.id}`);
    return out;
  }
}
