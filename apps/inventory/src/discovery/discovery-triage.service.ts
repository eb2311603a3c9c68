import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { type Actor, AppError, InventoryDiscovery, type claimDiscoveredBodySchema } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { certificateIdentity } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { importName as certificateImportName, importDefaults, importedCertificate } from '../certificates/certificate-import';
import { type DiscoveredRow, DiscoveryRepository } from './discovery.repository';
import { toDiscoveredDto } from './discovery.mapper';
import { DiscoveryService } from './discovery.service';

type ClaimBody = z.output<typeof claimDiscoveredBodySchema>;
type ImportBody = Extract<ClaimBody, { import: unknown }>['import'];

/**
 * Whether a discovered certificate is one of a managed certificate's versions: the same
 * certificate (fingerprint) or a certificate of the same key (SubjectPublicKeyInfo).
 */
export async function matchesAVersion(discoveredPem: string, versions: readonly { fingerprintSha256: string; certificatePem: string }[]) {
  const found = await certificateIdentity(discoveredPem);
  for (const version of versions) {
    if (version.fingerprintSha256 === found.fingerprintSha256) return true;
    const versionKey = await certificateIdentity(version.certificatePem).catch(() => null);
    if (versionKey?.spkiSha256 === found.spkiSha256) return true;
  }
  return false;
}

/** A managed-certificate name for an import of a discovered certificate. */
export function importName(row: Pick<DiscoveredRow, 'subject' | 'sans' | 'fingerprintSha256'>, asked?: string): string {
  return certificateImportName(row, 'discovered', asked);
}

/** Claiming (link or import) and dismissing discovered certificates. */
@Injectable()
export class DiscoveryTriageService {
  constructor(
    private readonly repo: DiscoveryRepository,
    private readonly discovery: DiscoveryService,
    private readonly rpc: RpcClient,
    @Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig,
  ) {}

  async claim(actor: Actor, id: string, body: ClaimBody) {
    const row = await this.discovery.row(id);
    if (row.status === 'managed') {
      throw new AppError('conflict', `discovered certificate ${id} is already managed (certificate ${row.managedCertificateId})`);
    }
    const claimed = 'certificate_id' in body ? await this.link(row, body.certificate_id) : await this.importAsManaged(row, body.import);
    await this.emit(InventoryDiscovery.claimed, claimed, actor);
    getLogger().info({ id, certificate_id: claimed.managedCertificateId, actor: actor.principal }, 'discovered certificate claimed');
    return { discovered: toDiscoveredDto(claimed), certificate_id: claimed.managedCertificateId as string };
  }

  async dismiss(actor: Actor, id: string, reason: string | undefined) {
    const row = await this.discovery.row(id);
    if (row.status === 'managed') throw new AppError('conflict', `discovered certificate ${id} is managed: it cannot be dismissed`);
    const dismissed = await this.repo.markDismissed(id, reason ?? null);
    await this.emit(InventoryDiscovery.dismissed, dismissed, actor);
    return toDiscoveredDto(dismissed);
  }

  private async link(row: DiscoveredRow, certificateId: string) {
    if (!(await this.repo.certificateExists(certificateId))) {
      throw AppError.validation([{ field: 'certificate_id', message: `certificate ${JSON.stringify(certificateId)} does not exist` }]);
    }
    if (!(await matchesAVersion(row.certificatePem, await this.repo.versionPems(certificateId)))) {
      throw AppError.validation([
        { field: 'certificate_id', message: `no version of certificate ${certificateId} has this certificate's fingerprint or public key` },
      ]);
    }
    return this.repo.markManaged(row.id, certificateId);
  }

  private async importAsManaged(row: DiscoveredRow, asked: ImportBody) {
    const identity = await certificateIdentity(row.certificatePem);
    // The key stays on the host it was found on; the chain is not known from a discovery.
    const imported = importedCertificate(
      identity,
      { certificate: row.certificatePem, chain: '' },
      { ...asked, name: importName(row, asked.name) },
      importDefaults(this.config),
      'discovery',
    );
    return this.repo.importCertificate(row.id, imported);
  }

  private emit(event: typeof InventoryDiscovery.claimed | typeof InventoryDiscovery.dismissed, row: DiscoveredRow, actor: Actor) {
    return this.rpc.emit(event, {
      discovered_certificate_id: row.id,
      fingerprint_sha256: row.fingerprintSha256,
      source: row.source as 'agent' | 'network',
      source_id: row.sourceId,
      location: row.location,
      actor: actor.principal,
      managed_certificate_id: row.managedCertificateId,
    });
  }
}
