import { Inject, Injectable } from '@nestjs/common';
import { REVOCATION_REASON_CODES, type RevocationReason, RevocationRpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { SharedRateLimit } from '@certctl/platform';
import {
  type OcspCertId,
  type OcspSingleResult,
  type OcspStatus,
  type ParsedOcspRequest,
  PkiError,
  ocspErrorResponse,
  parseOcspRequest,
} from '@certctl/pki';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';
import { IssuerCache } from '../issuers/issuer-cache';
import { RevocationRepository } from '../revocations/revocation.repository';
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
    private readonly revocations: RevocationRepository,
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
      if (recent) return this.cachedAnswer(recent);
      const issuer = await this.issuers.get(issuerId);
      if (!issuer) return { kind: 'unknown_issuer' };
      const req = parseOrNull(der);
      if (!req) return this.error('malformedRequest');
      const ours = req.certs.map((c) => issuer.hashes[c.hash].name === c.issuerNameHash && issuer.hashes[c.hash].key === c.issuerKeyHash);
      if (!ours.some(Boolean)) return this.error('unauthorized');
      // One CertID without a nonce: the signed answer is the same for everyone, so it is cached.
      const single = req.certs.length === 1 && !req.nonceExtension ? req.certs[0]! : undefined;
      if (single) {
        const cached = await this.cache.getResponse(issuerId, single.serialNumber, single.hash);
        if (cached) {
          this.cache.rememberRequestBytes(issuerId, single.serialNumber, raw, cached);
          return this.cachedAnswer(cached);
        }
      }
      const allowance = await this.signLimit.take(client);
      if (!allowance.allowed) {
        ocspResponses.inc({ outcome: 'rate_limited' });
        return { kind: 'rate_limited', retryAfterSeconds: allowance.retryAfterSeconds };
      }
      const { response, results } = await this.signAnswers(issuerId, req, ours);
      if (single) await this.cacheSingle(issuerId, single, raw, response, results[0]!.result.status === 'unknown');
      ocspResponses.inc({ outcome: results.map((r) => r.result.status).join(',') });
      return { kind: 'response', der: response, maxAge: 0 };
    } catch (err) {
      getLogger().warn({ issuer_id: issuerId, err: (err as Error).message }, 'OCSP request could not be answered now');
      return this.error('tryLater');
    }
  }

  /** The status of each CertID (`unknown` for another CA's), signed by the issuer's responder. */
  private async signAnswers(
    issuerId: string,
    req: ParsedOcspRequest,
    ours: boolean[],
  ): Promise<{ response: Buffer; results: OcspSingleResult[] }> {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(now.getTime() + this.config.CERTCTL_OCSP_VALIDITY_SECONDS * 1000);
    const results: OcspSingleResult[] = [];
    for (let index = 0; index < req.certs.length; index++) {
      const certId = req.certs[index]!;
      const result: OcspStatus = ours[index] ? await this.status(issuerId, certId.serialNumber) : { status: 'unknown' };
      results.push({ certId, result, thisUpdate: now, nextUpdate });
    }
    const signer = await this.responders.signer(issuerId);
    return { response: signer.sign(results, now, req.nonceExtension), results };
  }

  private async cacheSingle(issuerId: string, certId: OcspCertId, raw: Buffer, response: Buffer, unknown: boolean): Promise<void> {
    const ttl = Math.min(this.config.CERTCTL_OCSP_CACHE_SECONDS, Math.floor(this.config.CERTCTL_OCSP_VALIDITY_SECONDS / 2));
    // An unknown serial's answer is kept as briefly as its status (negative caching): a client
    // asking again for a serial that does not exist costs neither a lookup nor a signature.
    await this.cache.setResponse(issuerId, certId.serialNumber, certId.hash, response, unknown ? this.cache.unknownTtl(ttl) : ttl);
    this.cache.rememberRequestBytes(issuerId, certId.serialNumber, raw, response);
  }

  private cachedAnswer(der: Buffer): OcspAnswer {
    ocspResponses.inc({ outcome: 'cached' });
    return { kind: 'response', der, maxAge: 0 };
  }

  /** good / revoked / unknown for one serial of this issuer, through the Redis cache. */
  async status(issuerId: string, serial: string): Promise<OcspStatus> {
    const cached = await this.cache.getStatus(issuerId, serial);
    if (cached) return cached;
    const row = await this.revocations.findStatusBySerial(issuerId, serial);
    let status: OcspStatus;
    if (row)
      status = { status: 'revoked', revokedAt: row.revokedAt, reasonCode: REVOCATION_REASON_CODES[row.reason as RevocationReason] ?? 0 };
    else {
      const known = await this.rpc.request(RevocationRpc.inventoryBySerial, { issuer_id: issuerId, serial_number: serial });
      status = known.found ? { status: 'good' } : { status: 'unknown' };
    }
    await this.cache.setStatus(issuerId, serial, status);
    return status;
  }

  private error(status: 'malformedRequest' | 'unauthorized' | 'tryLater'): OcspAnswer {
    ocspResponses.inc({ outcome: status });
    return { kind: 'response', der: ocspErrorResponse(status), maxAge: 0 };
  }
}

/** The parsed request, or null when it is not a well-formed OCSP request. */
function parseOrNull(der: Uint8Array): ParsedOcspRequest | null {
  try {
    return parseOcspRequest(der);
  } catch (err) {
    if (err instanceof PkiError) return null;
    throw err;
  }
}
