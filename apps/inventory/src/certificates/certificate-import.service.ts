import { Inject, Injectable } from '@nestjs/common';
import {
  AppError,
  Events,
  IssuancePrivateKey,
  type InventoryCertificate,
  type RpcRequestParsed,
  type RpcResponse,
} from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { certificateIdentity, splitPemChain, translatePkiErrors } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { importDefaults, importName, importedCertificate } from './certificate-import';
import { CertificateImportRepository } from './certificate-import.repository';
import { toCertificateDto } from './certificate.mapper';

type ImportRequest = RpcRequestParsed<typeof InventoryCertificate.import>;

/**
 * POST /api/v1/certificates/import: a certificate issued elsewhere becomes a managed certificate
 * (status from its own validity, renewals through the chosen issuer), the same way a claimed
 * discovered certificate is imported (certificate-import.ts). A certificate already managed (a
 * version with its fingerprint) is a conflict naming the managed certificate.
 */
@Injectable()
export class CertificateImportService {
  constructor(
    private readonly repo: CertificateImportRepository,
    private readonly rpc: RpcClient,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async import({ actor, body }: ImportRequest): Promise<RpcResponse<typeof InventoryCertificate.import>> {
    const [leafPem] = await translatePkiErrors(async () => splitPemChain(body.certificate_pem), { field: 'certificate_pem' });
    if (!leafPem) throw AppError.validation([{ field: 'certificate_pem', message: 'holds no CERTIFICATE block' }]);
    const identity = await translatePkiErrors(() => certificateIdentity(leafPem), { field: 'certificate_pem' });
    if (identity.isCa) {
      throw AppError.validation([
        { field: 'certificate_pem', message: 'is a CA certificate; import its issuer with POST /api/v1/issuers/import' },
      ]);
    }
    const chain = await this.parseChain(body.chain_pem);
    const managed = await this.repo.managedWithFingerprint(identity.fingerprintSha256);
    if (managed) {
      throw new AppError('conflict', `certificate ${identity.fingerprintSha256} is already managed (certificate ${managed})`);
    }
    const imported = importedCertificate(
      identity,
      { certificate: leafPem, chain },
      { ...body, name: importName(identity, 'imported', body.name) },
      importDefaults(this.config),
      'import',
    );
    if (body.private_key_pem) {
      // Issuance checks the key against the certificate and seals it before the certificate exists,
      // so a certificate whose key source says "server" always has its key (a retry replaces the row).
      await this.rpc.request(IssuancePrivateKey.import, {
        actor: { principal: 'system:inventory', role: 'operator' },
        imported_by: actor.principal,
        job_id: `import-${identity.fingerprintSha256}`,
        issuer_id: imported.version.issuerId,
        serial_number: imported.version.serialNumber,
        certificate_pem: leafPem,
        chain_pem: chain,
        private_key_pem: body.private_key_pem,
      });
      imported.version.keySource = 'server';
    }
    const { certificate: created, version } = await this.repo.create(imported);
    getLogger().info(
      { certificate_id: created.id, fingerprint: identity.fingerprintSha256, actor: actor.principal },
      'certificate imported',
    );
    await this.rpc.emit(Events.certificateCreated, { certificate_id: created.id, actor: actor.principal });
    return { certificate: toCertificateDto(created, version, []), fingerprint_sha256: identity.fingerprintSha256 };
  }

  /** Each chain block must be a certificate; they are kept as given (normalized PEM, one after another). */
  private async parseChain(chainPem: string): Promise<string> {
    if (!chainPem.trim()) return '';
    const blocks = await translatePkiErrors(async () => splitPemChain(chainPem), { field: 'chain_pem' });
    if (!blocks.length) throw AppError.validation([{ field: 'chain_pem', message: 'holds no CERTIFICATE block' }]);
    for (const block of blocks) await translatePkiErrors(() => certificateIdentity(block), { field: 'chain_pem' });
    return blocks.join('');
  }
}
