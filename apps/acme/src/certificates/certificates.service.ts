import { createPublicKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError, Rpc, RevocationRpc, reasonName } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { normalizeSerialHex, pemToDer, renewalPoint } from '@certctl/pki';
import * as x509 from '@peculiar/x509';
import type { JWK } from 'jose';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import type { AcmeAccountRow } from '../accounts/accounts.repository';
import { AcmeError } from '../protocol/errors';
import { asObject } from '../protocol/payload';
import { type OrderRow, OrdersRepository } from '../orders/orders.repository';
import { parseCertId } from './cert-id';

const revocationsTotal = counter('certctl_acme_revocations_total', 'ACME revokeCert requests by result', ['result']);
/** RFC 8555 §7.6 / RFC 5280 reason codes a subscriber may give. */
const ALLOWED_REASONS = new Set([0, 1, 3, 4, 5]);

type RenewalInfo = { suggestedWindow: { start: string; end: string }; explanationURL?: string };
const ARI_CACHE_MS = 60_000;

/** Certificate download, revocation (by account or by the certificate's own key) and ARI. */
@Injectable()
export class CertificatesService {
  private readonly ariCache = new Map<string, { at: number; info: RenewalInfo }>();

  constructor(
    private readonly orders: OrdersRepository,
    private readonly rpc: RpcClient,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {}

  async download(orderId: string, account: AcmeAccountRow): Promise<string> {
    const order = await this.orders.findById(orderId);
    if (!order || !order.certificatePem) throw new AcmeError('malformed', `no certificate ${orderId}`, { status: 404 });
    if (order.accountId !== account.id) throw new AcmeError('unauthorized', 'the certificate belongs to another account');
    return order.certificatePem;
  }

  /** The certificate named in a revokeCert payload, its order, and the requested reason. */
  async parseRevocation(payload: unknown): Promise<{ order: OrderRow; reason: number; spki: Buffer }> {
    const request = asObject(payload);
    if (typeof request.certificate !== 'string' || !/^[A-Za-z0-9_-]+$/.test(request.certificate)) {
      throw new AcmeError('malformed', '"certificate" must be the base64url DER of the certificate');
    }
    const reason = request.reason === undefined ? 0 : request.reason;
    if (typeof reason !== 'number' || !ALLOWED_REASONS.has(reason)) {
      throw new AcmeError('badRevocationReason', `reason ${JSON.stringify(reason)} is not accepted (0, 1, 3, 4 or 5)`);
    }
    const der = Buffer.from(request.certificate, 'base64url');
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(der);
    } catch {
      throw new AcmeError('malformed', 'the certificate cannot be parsed');
    }
    const spki = Buffer.from(cert.publicKey.rawData);
    const order = await this.orders.findValidBySerial(normalizeSerialHex(cert.serialNumber));
    // Same serial is not enough: the DER must be the certificate this server issued.
    if (!order?.certificatePem || Buffer.compare(pemToDer(order.certificatePem), der) !== 0) {
      throw new AcmeError('malformed', 'this server did not issue that certificate', { status: 404 });
    }
    return { order, reason, spki };
  }

  /** revokeCert: the account that ordered it (kid), or whoever holds its key (jwk). */
  async revoke(req: { order: OrderRow; reason: number; spki: Buffer }, by: { account?: AcmeAccountRow; jwk?: JWK }): Promise<void> {
    if (by.account) {
      if (req.order.accountId !== by.account.id) throw new AcmeError('unauthorized', 'this account did not order that certificate');
    } else {
      const spki = createPublicKey({ key: by.jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      if (Buffer.compare(spki, req.spki) !== 0) throw new AcmeError('unauthorized', "the request is not signed by the certificate's key");
    }
    let out;
    try {
      out = await this.rpc.request(RevocationRpc.revoke, {
        actor: { principal: by.account ? `acme:${by.account.id}` : 'acme:certificate-key', role: 'acme' },
        certificate_id: req.order.certificateId!,
        reason: reasonName(req.reason) ?? 'unspecified',
        serial_number: req.order.serialNumber!,
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found')
        throw new AcmeError('malformed', 'the certificate is unknown to the inventory', { status: 404 });
      throw err;
    }
    if (!out.created) {
      revocationsTotal.inc({ result: 'already_revoked' });
      throw new AcmeError('alreadyRevoked', 'the certificate is already revoked');
    }
    revocationsTotal.inc({ result: 'revoked' });
    getLogger().info(
      {
        account_id: by.account?.id ?? null,
        certificate_id: req.order.certificateId,
        serial: req.order.serialNumber,
        reason: req.reason ?? 0,
      },
      'ACME certificate revoked',
    );
  }

  /**
   * ARI (RFC 9773): the window in which to renew. From two thirds of the lifetime to five
   * sixths, so clients (which pick a random moment inside) spread a fleet issued on one day
   * over a sixth of its lifetime; a revoked certificate's window is now.
   */
  async renewalInfo(certId: string): Promise<RenewalInfo> {
    // Clients poll this every few hours, fleets at once: a minute-old answer is as good (a
    // revocation shows within a minute).
    const hit = this.ariCache.get(certId);
    if (hit && Date.now() - hit.at < ARI_CACHE_MS) return hit.info;
    const info = await this.computeRenewalInfo(certId);
    if (this.ariCache.size >= 10000) this.ariCache.clear();
    this.ariCache.set(certId, { at: Date.now(), info });
    return info;
  }

  private async computeRenewalInfo(certId: string): Promise<RenewalInfo> {
    const { aki, serial } = parseCertId(certId);
    const order = await this.orders.findValidBySerial(serial);
    if (!order?.certificatePem) throw new AcmeError('malformed', 'no certificate with that identifier', { status: 404 });
    const cert = new x509.X509Certificate(pemToDer(order.certificatePem));
    const akiExt = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
    if (!akiExt?.keyId || akiExt.keyId.toLowerCase() !== aki)
      throw new AcmeError('malformed', 'no certificate with that identifier', { status: 404 });
    if (await this.isRevoked(order)) {
      const now = Date.now();
      return { suggestedWindow: { start: new Date(now - 3600_000).toISOString(), end: new Date(now).toISOString() } };
    }
    return {
      suggestedWindow: {
        start: renewalPoint(cert.notBefore, cert.notAfter).toISOString(),
        end: renewalPoint(cert.notBefore, cert.notAfter, 1 / 6).toISOString(),
      },
      ...(this.config.CERTCTL_ACME_WEBSITE ? { explanationURL: this.config.CERTCTL_ACME_WEBSITE } : {}),
    };
  }

  private async isRevoked(order: OrderRow): Promise<boolean> {
    if (!order.certificateId) return false;
    const cert = await this.rpc.request(Rpc.inventory.certificateGet, { id: order.certificateId }).catch(() => null);
    return cert?.status === 'revoked' && cert.current_version?.serial_number === order.serialNumber;
  }
}
