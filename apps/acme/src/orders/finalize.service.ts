import { createPublicKey } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AcmeRpc, AppError, type JobDto, Rpc } from '@certctl/contracts';
import { JobWaiter, RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { type ParsedCsr, derToPem, exportSpki, parseCertificate, parseCsr, splitPemChain } from '@certctl/pki';
import { ACME_CONFIG, type AcmeConfig } from '../config';
import type { AcmeAccountRow } from '../accounts/accounts.repository';
import { AcmeError } from '../protocol/errors';
import { asObject } from '../protocol/payload';
import { type Identifier, canonicalIp } from '../protocol/identifiers';
import type { AcmeProfile } from '../profiles/profile-cache';
import { ProfileSettingsService } from '../profiles/profile-settings.service';
import { type OrderRow, OrdersRepository } from './orders.repository';
import { OrdersService, ordersTotal } from './orders.service';

/**
 * Finalize (RFC 8555 §7.4): the CSR must name exactly the order's identifiers, carry a key
 * the profile allows and not the account's key. Inventory records the certificate and
 * queues one job keyed by the order, the issuance service signs it, and finalize waits
 * (bounded) for that so most clients get a `valid` order in the finalize response.
 */
@Injectable()
export class FinalizeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly jobs: JobWaiter;

  constructor(
    private readonly repository: OrdersRepository,
    private readonly rpc: RpcClient,
    private readonly orders: OrdersService,
    private readonly profileSettings: ProfileSettingsService,
    @Inject(ACME_CONFIG) private readonly config: AcmeConfig,
  ) {
    this.jobs = new JobWaiter(rpc);
  }

  onApplicationBootstrap(): void {
    this.jobs.start();
  }

  onApplicationShutdown(): void {
    this.jobs.stop();
  }

  async finalize(account: AcmeAccountRow, orderId: string, payload: unknown, profile: AcmeProfile): Promise<OrderRow> {
    const order = await this.orders.order(orderId, account);
    if (order.status !== 'ready') {
      throw new AcmeError(
        'orderNotReady',
        `the order is ${order.status}, not ready: ${order.status === 'pending' ? 'complete its authorizations first' : 'it cannot be finalized again'}`,
      );
    }
    const csr = await parseFinalizeCsr(payload);
    const identifiers = order.identifiers as unknown as Identifier[];
    checkCsrNames(csr, identifiers);
    checkKeyPolicy(csr, profile);
    await checkNotAccountKey(csr, account);

    const claimed = await this.repository.transition(order.id, ['ready'], 'processing');
    if (claimed !== 1) throw new AcmeError('orderNotReady', 'the order is already being finalized');
    ordersTotal.inc({ status: 'processing' });
    const issued = await this.requestIssuance(order, account, profile, csr, identifiers);
    const processing = await this.repository.recordIssuance(order.id, { certificateId: issued.certificate_id, jobId: issued.job_id });
    const job = await this.jobs.wait(issued.job_id, this.config.CERTCTL_ACME_FINALIZE_WAIT_MS);
    return this.settle(processing, job);
  }

  /**
   * Inventory records the certificate (with the profile's issuer, owner, team and renewal policy)
   * and queues its issuance; when it refuses, the order is ready again.
   */
  private async requestIssuance(order: OrderRow, account: AcmeAccountRow, profile: AcmeProfile, csr: ParsedCsr, identifiers: Identifier[]) {
    const names = identifiers.map((identifier) => identifier.value);
    const commonName = csr.commonName?.toLowerCase() ?? identifiers.find((identifier) => identifier.type === 'dns')?.value ?? names[0];
    try {
      return await this.rpc.request(AcmeRpc.inventoryIssue, {
        order_id: order.id,
        account_id: account.id,
        profile_id: profile.id,
        ...(await this.profileSettings.landing(profile.id)),
        common_name: commonName,
        sans: names,
        csr_pem: derToPem(csr.der, 'CERTIFICATE REQUEST'),
      });
    } catch (err) {
      // Nothing was queued: the order goes back to ready so the client may finalize again.
      await this.repository.transition(order.id, ['processing'], 'ready');
      if (err instanceof AppError && err.code === 'validation_failed') {
        throw new AcmeError('rejectedIdentifier', err.fields?.map((f) => f.message).join('; ') || err.message);
      }
      throw err;
    }
  }

  /** A processing order whose job has finished becomes valid (certificate stored) or invalid. */
  async settle(order: OrderRow, known?: JobDto): Promise<OrderRow> {
    if (order.status !== 'processing' || !order.jobId || !order.certificateId) return order;
    const job = known ?? (await this.rpc.request(Rpc.inventory.jobGet, { id: order.jobId }));
    if (job.status === 'completed') {
      const cert = await this.rpc.request(Rpc.inventory.certificateGet, { id: order.certificateId });
      if (!cert.certificate_pem || !cert.current_version) return order;
      const pem = await servedChain(cert.certificate_pem, cert.chain_pem ?? '');
      const serial = cert.current_version!.serial_number;
      const updated = await this.repository.transition(order.id, ['processing'], 'valid', { certificatePem: pem, serialNumber: serial });
      if (!updated) return (await this.repository.findById(order.id))!; // another request settled it
      ordersTotal.inc({ status: 'valid' });
      getLogger().info({ order_id: order.id, certificate_id: order.certificateId, serial }, 'ACME order valid');
      return { ...order, status: 'valid', certificatePem: pem, serialNumber: serial };
    }
    if (job.status === 'failed' || job.status === 'cancelled') {
      const error = {
        type: 'urn:ietf:params:acme:error:serverInternal',
        detail: `issuance ${job.status}: ${job.last_error ?? job.decision_reason ?? 'no reason recorded'}`,
      };
      await this.repository.transition(order.id, ['processing'], 'invalid', { error });
      ordersTotal.inc({ status: 'invalid' });
      return (await this.repository.findById(order.id))!;
    }
    return order;
  }
}

/** The finalize payload's CSR (base64url DER), parsed and its signature verified. */
async function parseFinalizeCsr(payload: unknown): Promise<ParsedCsr> {
  const request = asObject(payload);
  if (typeof request.csr !== 'string' || !/^[A-Za-z0-9_-]+$/.test(request.csr))
    throw new AcmeError('malformed', '"csr" must be the base64url DER of a PKCS#10 request');
  let csr: ParsedCsr;
  try {
    csr = await parseCsr(derToPem(Buffer.from(request.csr, 'base64url'), 'CERTIFICATE REQUEST'));
  } catch (err) {
    throw new AcmeError('badCSR', `the CSR cannot be parsed: ${(err as Error).message}`);
  }
  if (!csr.signatureValid) throw new AcmeError('badCSR', 'the CSR signature does not verify');
  return csr;
}

/** The CSR's names (CN and SANs) must be exactly the order's identifiers. */
export function checkCsrNames(csr: Pick<ParsedCsr, 'commonName' | 'sans'>, identifiers: readonly Identifier[]): void {
  const want = new Set(identifiers.map((i) => (i.type === 'ip' ? (canonicalIp(i.value) ?? i.value) : i.value.toLowerCase())));
  const norm = (n: string) => canonicalIp(n) ?? n.toLowerCase();
  const got = new Set(csr.sans.map(norm));
  if (csr.commonName && !want.has(norm(csr.commonName))) {
    throw new AcmeError('badCSR', `the CSR common name ${JSON.stringify(csr.commonName)} is not one of the order's identifiers`);
  }
  if (csr.commonName && got.size === 0) got.add(norm(csr.commonName));
  const missing = [...want].filter((n) => !got.has(n));
  const extra = [...got].filter((n) => !want.has(n));
  if (missing.length || extra.length) {
    throw new AcmeError(
      'badCSR',
      `the CSR must name exactly the order's identifiers${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not in the order: ${extra.join(', ')}` : ''}`,
    );
  }
}

/** The profile's allowed key algorithms and minimum sizes. */
export function checkKeyPolicy(csr: Pick<ParsedCsr, 'keyType' | 'keySize'>, profile: Pick<AcmeProfile, 'allowedKeyAlgorithms'>): void {
  const rules = profile.allowedKeyAlgorithms;
  const ok = rules.some((r) => r.algorithm.toUpperCase() === String(csr.keyType).toUpperCase() && csr.keySize >= r.min_size);
  if (!ok) {
    throw new AcmeError(
      'badCSR',
      `the CSR key (${csr.keyType} ${csr.keySize}) is not allowed by the profile (allowed: ${rules.map((r) => `${r.algorithm} >= ${r.min_size}`).join(', ')})`,
    );
  }
}

async function checkNotAccountKey(csr: ParsedCsr, account: AcmeAccountRow): Promise<void> {
  const accountSpki = createPublicKey({ key: account.jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  const csrSpki = await exportSpki(csr.publicKey);
  if (Buffer.compare(accountSpki, csrSpki) === 0) throw new AcmeError('badCSR', "the certificate key must not be the account's key");
}

/**
 * Leaf first, then the issuing chain without its self-signed root, which clients already
 * trust; a leaf issued directly by a root keeps the root, since some clients (certbot)
 * need at least one certificate after the leaf.
 */
export async function servedChain(leafPem: string, chainPem: string): Promise<string> {
  let tail = servedTails.get(chainPem);
  if (tail === undefined) {
    tail = await servedTail(chainPem);
    if (servedTails.size > 100) servedTails.clear();
    servedTails.set(chainPem, tail);
  }
  return `${[leafPem.trim(), ...tail].join('\n')}\n`;
}

/** The served part of an issuer's chain, parsed once per chain (an issuer's chain rarely changes). */
const servedTails = new Map<string, string[]>();
async function servedTail(chainPem: string): Promise<string[]> {
  const chain = splitPemChain(chainPem);
  const roots = await Promise.all(
    chain.map(async (pem) => {
      const c = await parseCertificate(pem);
      return c.subject === c.issuer;
    }),
  );
  const kept = chain.filter((_, i) => !roots[i]);
  return (kept.length ? kept : chain).map((c) => c.trim());
}
