import { Injectable } from '@nestjs/common';
import { AppError, Rpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { issuerCertIdHashes, type OcspCertId } from '@certctl/pki';

export interface KnownIssuer {
  id: string;
  caCertificatePem: string;
  /** issuerNameHash/issuerKeyHash per hash algorithm, to match OCSP CertIDs. */
  hashes: Record<OcspCertId['hash'], { name: string; key: string }>;
}

const TTL_MS = 60_000;
const MISSING_TTL_MS = 5_000;

/**
 * Issuers that can publish revocation data (local CAs with a certificate), asked of the
 * issuance service and kept for a minute; an unknown id is remembered briefly so a
 * flood of requests for it does not become a flood of NATS requests.
 */
@Injectable()
export class IssuerCache {
  private readonly entries = new Map<string, { at: number; value: Promise<KnownIssuer | null> }>();

  constructor(private readonly rpc: RpcClient) {}

  /** The issuer, or null when it does not exist or has no CA to sign revocation data. */
  get(id: string): Promise<KnownIssuer | null> {
    const now = Date.now();
    const hit = this.entries.get(id);
    if (hit && now - hit.at < TTL_MS) return hit.value;
    const value = this.load(id);
    this.entries.set(id, { at: now, value });
    value.then(
      (v) => {
        if (!v) this.entries.set(id, { at: now - TTL_MS + MISSING_TTL_MS, value });
      },
      () => this.entries.delete(id),
    );
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  private async load(id: string): Promise<KnownIssuer | null> {
    try {
      const issuer = await this.rpc.request(Rpc.issuance.issuerGet, { id });
      if (issuer.type !== 'local' || !issuer.ca_certificate_pem) return null;
      return { id, caCertificatePem: issuer.ca_certificate_pem, hashes: issuerCertIdHashes(issuer.ca_certificate_pem) };
    } catch (err) {
      if (err instanceof AppError && (err.code === 'not_found' || err.code === 'validation_failed')) return null;
      throw err;
    }
  }

  async require(id: string): Promise<KnownIssuer> {
    const issuer = await this.get(id);
    if (!issuer) throw AppError.notFound('issuer', id);
    return issuer;
  }
}
