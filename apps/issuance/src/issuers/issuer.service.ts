import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppError, type IssuerDto } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { secretBoxFromConfig } from '@certctl/config';
import { type CaCertificate, type KeyAlgorithm, type SecretBox, createRootCa, importPrivateKeyPem, splitPemChain } from '@certctl/pki';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { registerCaExpiryMetric } from './ca-expiry-metrics';
import { type IssuerRow, IssuerRepository, type NewCaKey, issuerTypeName } from './issuer.repository';

export interface LocalCaConfig {
  key_algorithm?: KeyAlgorithm;
  validity_days?: number;
  common_name?: string;
  organization?: string;
}

/**
 * Issuers and their CA material. CA private keys are AES-256-GCM encrypted at rest
 * (the issuer id is bound as associated data) and only ever decrypted in this service.
 */
@Injectable()
export class IssuerService implements OnApplicationBootstrap {
  readonly box: SecretBox;
  private readonly cas = new Map<string, Promise<CaCertificate>>();

  constructor(
    private readonly repository: IssuerRepository,
    @Inject(ISSUANCE_CONFIG) config: IssuanceConfig,
  ) {
    this.box = secretBoxFromConfig(config);
    registerCaExpiryMetric(repository);
  }

  async onApplicationBootstrap(): Promise<void> {
    const locals = await this.repository.findLocalRootsWithoutCa();
    for (const { id } of locals) await this.ensureRootCa(id);
  }

  /** The ca_keys row of a CA: its PKCS#8 key AES-256-GCM encrypted, bound to the issuer id, with the key version. */
  caKeyData(issuerId: string, algorithm: string, privateKeyPem: string): NewCaKey {
    return {
      issuerId,
      algorithm,
      encryptedKey: Buffer.from(this.box.encrypt(privateKeyPem, `ca-key:${issuerId}`)),
      keyVersion: this.box.currentVersion,
    };
  }

  /** Makes the root CA of a local issuer on first start; replicas racing here take turns on an advisory lock. */
  async ensureRootCa(issuerId: string): Promise<void> {
    await this.repository.transaction(
      async (tx) => {
        await this.repository.lockCa(issuerId, tx);
        const issuer = await this.repository.findWithCaKey(issuerId, tx);
        if (!issuer) throw AppError.notFound('issuer', issuerId);
        if (issuer.caKey) return;
        const cfg = (issuer.config ?? {}) as LocalCaConfig;
        const root = await createRootCa({
          commonName: cfg.common_name ?? `certctl-ts Local Root CA (${issuer.id})`,
          organization: cfg.organization ?? 'certctl-ts',
          keyAlgorithm: cfg.key_algorithm ?? 'ECDSA-P256',
          validityDays: cfg.validity_days ?? 3650,
        });
        await this.repository.insertCaKey(this.caKeyData(issuerId, cfg.key_algorithm ?? 'ECDSA-P256', root.privateKeyPem), tx);
        await this.repository.setCaCertificate(issuerId, root.certificatePem, '', tx);
        getLogger().info({ issuer_id: issuerId }, 'generated local root CA');
      },
      { timeout: 30000 },
    );
  }

  /** The decrypted CA of a local issuer, cached for the life of the process. */
  async ca(issuerId: string): Promise<CaCertificate> {
    let ca = this.cas.get(issuerId);
    if (!ca) {
      ca = this.loadCa(issuerId);
      this.cas.set(issuerId, ca);
      ca.catch(() => this.cas.delete(issuerId));
    }
    return ca;
  }

  private async loadCa(issuerId: string): Promise<CaCertificate> {
    const issuer = await this.repository.findWithCaKey(issuerId);
    if (!issuer) throw AppError.notFound('issuer', issuerId);
    if (!issuer.enabled) throw new AppError('conflict', `issuer ${issuerId} is disabled`, { retryable: false });
    if (issuer.type !== 'local')
      throw new AppError('issuer_failure', `issuer type ${issuer.type} is not available yet`, { retryable: false });
    if (!issuer.caKey || !issuer.caCertificatePem)
      throw new AppError('issuer_failure', `issuer ${issuerId} has no CA yet`, { retryable: true });
    const pem = this.box.decrypt(Buffer.from(issuer.caKey.encryptedKey), `ca-key:${issuerId}`).toString('utf8');
    const keys = await importPrivateKeyPem(pem);
    return {
      certificatePem: issuer.caCertificatePem,
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      ancestorsPem: await this.ancestorsPem(issuerId),
    };
  }

  /**
   * The CA certificates above an issuer, nearest first, up to and including its root: its
   * local parents, then (for a hierarchy under an imported CA) the imported CA's
   * intermediates and the enterprise root. The signer enforces all their name constraints.
   */
  async ancestorsPem(issuerId: string): Promise<string[]> {
    const out: string[] = [];
    let row = await this.repository.findAncestry(issuerId);
    for (let depth = 0; row?.parentId && depth < 32; depth++) {
      row = await this.repository.findAncestry(row.parentId);
      if (row?.caCertificatePem) out.push(row.caCertificatePem);
    }
    if (row?.trustAnchorPem) out.push(...(row.caChainPem ? splitPemChain(row.caChainPem) : []), row.trustAnchorPem);
    return out;
  }

  /** Drops a cached CA (after retirement), so the next use sees the stored state. */
  forget(issuerId: string): void {
    this.cas.delete(issuerId);
  }

  /** The chain a leaf of this issuer ships with: the issuing CA, then every CA above it. */
  async chainPem(issuerId: string): Promise<string> {
    const row = await this.repository.findAncestry(issuerId);
    if (!row?.caCertificatePem) throw AppError.notFound('issuer', issuerId);
    return `${row.caCertificatePem.trim()}\n${row.caChainPem ? `${row.caChainPem.trim()}\n` : ''}`;
  }

  async get(id: string): Promise<IssuerDto> {
    const row = await this.repository.findById(id);
    if (!row) throw AppError.notFound('issuer', id);
    return toIssuerDto(row);
  }

  async list(): Promise<{ data: IssuerDto[] }> {
    const rows = await this.repository.list(500);
    return { data: rows.map(toIssuerDto) };
  }
}

function toIssuerDto(row: IssuerRow): IssuerDto {
  return {
    id: row.id,
    name: row.name,
    type: issuerTypeName(row.type) as IssuerDto['type'],
    parent_id: row.parentId,
    enabled: row.enabled,
    config: (row.config ?? {}) as Record<string, unknown>,
    ca_certificate_pem: row.caCertificatePem,
    ca_chain_pem: row.caChainPem || null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
