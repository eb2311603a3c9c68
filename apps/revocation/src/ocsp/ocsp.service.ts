import { Inject, Injectable } from '@nestjs/common';
import { REVOCATION_REASON_CODES, type RevocationReason, RevocationRpc } from '@certctl/contracts';
import { PrismaService } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { SharedRateLimit } from '@certctl/platform';
import { PkiError, ocspErrorResponse, parseOcspRequest, type OcspSingleResult, type OcspStatus } from '@certctl/pki';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';
import { IssuerCache } from '../issuers/issuer-cache';
import { OcspCache } from './ocsp-cache';
import { OcspResponderService } from './ocsp-responder.service';

const ocspResponses = counter('certctl_ocsp_responses_total', 'OCSP responses by outcome', ['outcome']);

export type OcspAnswer =
  { kind: 'response'; der: Buffer; maxAge: number } | { kind: 'unknown_issuer' } | { kind: 'rate_limited'; retryAfterSeconds: number };

/**
 * Answers RFC 6960 requests for one issuer. Bad input gets malformedRequest, a CertID of
 * another CA unauthorized, trouble reaching a dependency tryLater: never an exception.
 */
@Injectable()
export class OcspService {
  /** Responses signed for one client per minute: what a cache cannot answer (nonces, lists, new serials) costs a signature. */
  private readonly signLimit: SharedRateLimit;

  constructor(
    private readonly db: PrismaService,
    private readonly rpc: RpcClient,
    private readonly issuers: IssuerCache,
    private readonly responders: OcspResponderService,
    private readonly cache: OcspCache,
    @Inject(REVOCATION_CONFIG) private readonly config: RevocationConfig,
  ) {
    this.signLimit = new SharedRateLimit(cache.client, 'ocsp:signed', config.CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE, 60);
  }

  /**
   * `client` (the caller's address) is counted against CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE for every
   * response that must be signed for this request; answers from the caches are not counted.
   */
  async respond(issuerId: string, der: Uint8Array, client = 'unknown'): Promise<OcspAnswer> {
    try {
      const raw = Buffer.from(der);
      const recent = this.cache.byRequestBytes(issuerId, raw);
      if (recent) {
        ocspResponses.inc({ outcome: 'cached' });
        return { kind: 'response', der: recent, maxAge: 0 };
      }
      const issuer = await this.issuers.get(issuerId);
      if (!issuer) return { kind: 'unknown_issuer' };
      let req;
      try {
        req = parseOcspRequest(der);
      } catch (err) {
        if (err instanceof PkiError) return this.error('malformedRequest');
        throw err;
      }
      const ours = req.certs.map((c) => issuer.hashes[c.hash].name === c.issuerNameHash && issuer.hashes[c.hash].key === c.issuerKeyHash);
      if (!ours.some(Boolean)) return this.error('unauthorized');
      const single = req.certs.length === 1 && !req.nonceExtension;
      const first = req.certs[0]!;
      if (single) {
        const cached = await this.cache.getResponse(issuerId, first.serialNumber, first.hash);
        if (cached) {
          this.cache.rememberRequestBytes(issuerId, first.serialNumber, raw, cached);
          ocspResponses.inc({ outcome: 'cached' });
          return { kind: 'response', der: cached, maxAge: 0 };
        }
      }
      const allowance = await this.signLimit.take(client);
      if (!allowance.allowed) {
        ocspResponses.inc({ outcome: 'rate_limited' });
        return { kind: 'rate_limited', retryAfterSeconds: allowance.retryAfterSeconds };
      }
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const nextUpdate = new Date(now.getTime() + this.config.CERTCTL_OCSP_VALIDITY_SECONDS * 1000);
      const results: OcspSingleResult[] = [];
      for (let i = 0; i < req.certs.length; i++) {
        const certId = req.certs[i]!;
        const result: OcspStatus = ours[i] ? await this.status(issuerId, certId.serialNumber) : { status: 'unknown' };
        results.push({ certId, result, thisUpdate: now, nextUpdate });
      }
      const signer = await this.responders.signer(issuerId);
      const response = signer.sign(results, now, req.nonceExtension);
      if (single) {
        const ttl = Math.min(this.config.CERTCTL_OCSP_CACHE_SECONDS, Math.floor(this.config.CERTCTL_OCSP_VALIDITY_SECONDS / 2));
        // An unknown serial's answer is kept as briefly as its status (negative caching): a client
        // asking again for a serial that does not exist costs neither a lookup nor a signature.
        const unknown = results[0]!.result.status === 'unknown';
        await this.cache.setResponse(issuerId, first.serialNumber, first.hash, response, unknown ? this.cache.unknownTtl(ttl) : ttl);
        this.cache.rememberRequestBytes(issuerId, first.serialNumber, raw, response);
      }
      ocspResponses.inc({ outcome: results.map((r) => r.result.status).join(',') });
      return { kind: 'response', der: response, maxAge: 0 };
    } catch (err) {
      getLogger().warn({ issuer_id: issuerId, err: (err as Error).message }, 'OCSP request could not be answered now');
      return this.error('tryLater');
    }
  }

  /** good / revoked / unknown for one serial of this issuer, through the Redis cache. */
  async status(issuerId: string, serial: string): Promise<OcspStatus> {
    const cached = await this.cache.getStatus(issuerId, serial);
    if (cached) return cached;
    const row = await this.db.revocation.findUnique({
      where: { issuerId_serialNumber: { issuerId, serialNumber: serial } },
      select: { revokedAt: true, reason: true },
    });
    let s: OcspStatus;
    if (row) s = { status: 'revoked', revokedAt: row.revokedAt, reasonCode: REVOCATION_REASON_CODES[row.reason as RevocationReason] ?? 0 };
    else {
      const known = await this.rpc.request(RevocationRpc.inventoryBySerial, { issuer_id: issuerId, serial_number: serial });
      s = known.found ? { status: 'good' } : { status: 'unknown' };
    }
    await this.cache.setStatus(issuerId, serial, s);
    return s;
  }

  private error(status: 'malformedRequest' | 'unauthorized' | 'tryLater'): OcspAnswer {
    ocspResponses.inc({ outcome: status });
    return { kind: 'response', der: ocspErrorResponse(status), maxAge: 0 };
  }
}
