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
      'Import a certificate issued elsewhere (leaf PEM and its chain) as a managed certificate, without issuing anything; renewals go to issuer_id (default: the discovery import issuer); with private_key_pem its key is kept encrypted server-side (key source "server", downloadable by admins) after a check that it matches (422 otherwise), else it stays where it is deployed; 409 when a version with its fingerprint is already managed',
    action: 'certificate.import',
    resource: 'certificate',
    body: importCertificateBodySchema,
    response: importCertificateResponseSchema,
    status: 201,
    errors: [409],
    secretBody: true, // private_key_pem: not even a hash of the body goes into the audit row
  })
  async import(@Body() body: ImportCertificateBody, @Req() req: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const out = await this.rpc.request(InventoryCertificate.import, { actor: actorOf(req.principal!), body });
    req.auditResourceId = out.certificate.id;
    void reply.header('location', `/api/v1/certificates/${out.certificate.id}`);
    return out;
  }
}
