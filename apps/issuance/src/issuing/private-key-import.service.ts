import { Injectable } from '@nestjs/common';
import { AppError, type IssuancePrivateKey, type RpcRequestParsed, type RpcResponse } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { privateKeyMatchesCertificate } from '@certctl/pki';
import { IssuerService } from '../issuers/issuer.service';
import { IssuedCertificateRepository } from './issued-certificate.repository';

export type KeyImportRequest = RpcRequestParsed<typeof IssuancePrivateKey.import>;

/**
 * Keeps the private key of an imported certificate the way a server-generated key is kept:
 * AES-256-GCM sealed in issued_certificates, bound to the row's job id (`leaf-key:<job id>`),
 * so the same download (PrivateKeyExportService) and re-keying serve it. Only a key that
 * matches the certificate is stored (422 otherwise); the key is never logged.
 */
@Injectable()
export class PrivateKeyImportService {
  constructor(
    private readonly certificates: IssuedCertificateRepository,
    private readonly issuers: IssuerService,
  ) {}

  async store(r: KeyImportRequest): Promise<RpcResponse<typeof IssuancePrivateKey.import>> {
    if (!keyMatches(r.private_key_pem, r.certificate_pem)) {
      throw AppError.validation([{ field: 'private_key_pem', message: "does not match the certificate's public key" }]);
    }
    await this.certificates.upsertImported({
      jobId: r.job_id,
      issuerId: r.issuer_id,
      serialNumber: r.serial_number,
      certificatePem: r.certificate_pem,
      chainPem: r.chain_pem,
      encryptedPrivateKey: Buffer.from(this.issuers.box.encrypt(r.private_key_pem, `leaf-key:${r.job_id}`)),
      keyVersion: this.issuers.box.currentVersion,
    });
    getLogger().info({ issuer_id: r.issuer_id, serial: r.serial_number, imported_by: r.imported_by }, 'imported private key stored');
    return { stored: true };
  }
}

function keyMatches(keyPem: string, certificatePem: string): boolean {
  try {
    return privateKeyMatchesCertificate(keyPem, certificatePem);
  } catch {
    // Never the parser's message: it can quote the key material.
    throw AppError.validation([{ field: 'private_key_pem', message: 'is not a readable unencrypted PEM private key' }]);
  }
}
