import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AppError, RevocationRpc, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { PkiError, buildCrl, signOcspResponder } from '@certctl/pki';
import { IssuerService } from './issuer.service';

const crlsSigned = counter('certctl_issuance_crls_signed_total', 'CRLs signed by issuer', ['issuer_id']);

/**
 * Signing for the revocation service. It sends what to sign (CRL contents, a responder's
 * public key); the CA key stays here. Both are built here from the request's fields, so
 * this is never a general-purpose signing oracle.
 */
@Controller()
export class RevocationSigningHandler {
  constructor(private readonly issuers: IssuerService) {}

  @RpcHandler(RevocationRpc.crlSign)
  async signCrl(@Payload() req: RpcRequestParsed<typeof RevocationRpc.crlSign>): Promise<RpcResponse<typeof RevocationRpc.crlSign>> {
    const ca = await this.issuers.ca(req.issuer_id);
    const der = await pki(() =>
      buildCrl({
        issuer: ca,
        crlNumber: BigInt(req.crl_number),
        thisUpdate: new Date(req.this_update),
        nextUpdate: new Date(req.next_update),
        entries: req.entries.map(([serialNumber, seconds, reasonCode]) => ({
          serialNumber,
          revocationDate: new Date(seconds * 1000),
          reasonCode,
        })),
      }),
    );
    crlsSigned.inc({ issuer_id: req.issuer_id });
    getLogger().info({ issuer_id: req.issuer_id, crl_number: req.crl_number, entries: req.entries.length }, 'CRL signed');
    return { der_base64: Buffer.from(der).toString('base64') };
  }

  @RpcHandler(RevocationRpc.ocspResponderIssue)
  async issueResponder(
    @Payload() req: RpcRequestParsed<typeof RevocationRpc.ocspResponderIssue>,
  ): Promise<RpcResponse<typeof RevocationRpc.ocspResponderIssue>> {
    const ca = await this.issuers.ca(req.issuer_id);
    const cert = await pki(() =>
      signOcspResponder({
        issuer: ca,
        subjectPublicKeySpki: Buffer.from(req.public_key_spki_base64, 'base64'),
        commonName: `OCSP responder (${req.issuer_id})`.slice(0, 64),
        validityDays: req.validity_days,
      }),
    );
    getLogger().info(
      { issuer_id: req.issuer_id, serial: cert.serialNumber, not_after: cert.notAfter },
      'OCSP responder certificate issued',
    );
    return { certificate_pem: cert.certificatePem, ca_certificate_pem: ca.certificatePem, not_after: cert.notAfter.toISOString() };
  }
}

async function pki<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PkiError) throw AppError.validation([{ field: 'request', message: err.message }], `cannot sign: ${err.message}`);
    throw err;
  }
}
