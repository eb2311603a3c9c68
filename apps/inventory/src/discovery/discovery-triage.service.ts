import { Inject, Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { type Actor, AppError, InventoryDiscovery, type claimDiscoveredBodySchema } from '@certctl/contracts';
import { newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { certificateIdentity } from '@certctl/pki';
import { INVENTORY_CONFIG, type InventoryConfig } from '../config';
import { type ImportedCertificate, type DiscoveredRow, DiscoveryRepository } from './discovery.repository';
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

/** A managed-certificate name for an import: the one asked for, else derived from the common name and the fingerprint. */
export function importName(row: Pick<DiscoveredRow, 'subject' | 'sans' | 'fingerprintSha256'>, asked?: string): string {
  if (asked) return asked;
  const commonName = /CN=([^,]+)/.exec(row.subject)?.[1] ?? row.sans[0] ?? 'certificate';
  return `discovered-${commonName.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 80)}-${row.fingerprintSha256.slice(0, 8)}`;
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
    const certificateId = newId('cert');
    const issuerId = asked.issuer_id ?? this.config.CERTCTL_DISCOVERY_IMPORT_ISSUER_ID;
    const imported: ImportedCertificate = {
      certificate: {
        id: certificateId,
        name: importName(row, asked.name),
        commonName: identity.commonName ?? identity.sans[0] ?? row.fingerprintSha256,
        sans: identity.sans,
        status: identity.notAfter.getTime() <= Date.now() ? 'expired' : 'active',
        issuerId,
        ownerId: asked.owner_id ?? this.config.CERTCTL_DISCOVERY_IMPORT_OWNER_ID,
        teamId: asked.team_id ?? this.config.CERTCTL_DISCOVERY_IMPORT_TEAM_ID,
        renewalPolicyId: asked.renewal_policy_id ?? this.config.CERTCTL_DISCOVERY_IMPORT_RENEWAL_POLICY_ID,
        expiresAt: identity.notAfter,
        source: 'discovery',
      },
      version: {
        id: newId('ver'),
        certificateId,
        issuerId,
        serialNumber: identity.serialNumber,
        fingerprintSha256: identity.fingerprintSha256,
        certificatePem: row.certificatePem,
        chainPem: '',
        notBefore: identity.notBefore,
        notAfter: identity.notAfter,
        keyAlgorithm: identity.keyType,
        keySize: identity.keySize,
        // The key stays on the host it was found on.
        keySource: 'agent',
      },
    };
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
