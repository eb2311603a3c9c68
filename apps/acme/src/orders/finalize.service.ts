import { createPublicKey } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AcmeRpc, AppError, Rpc } from '@certctl/contracts';
import { JobWaiter, RpcClient, type WaitedJob } from '@certctl/messaging';
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
    // The order is read while the CSR is parsed; the order's problems are answered first.
    const [read, parsed] = await Promise.allSettled([this.orders.order(orderId, account), parseFinalizeCsr(payload)]);
    if (read.status === 'rejected') throw read.reason;
    const order = read.value;
    if (order.status !== 'ready') {
      throw new AcmeError(
        'orderNotReady',
        `the order is ${order.status}, not ready: ${order.status === 'pending' ? 'complete its authorizations first' : 'it cannot be finalized again'}`,
      );
    }
    if (parsed.status === 'rejected') throw parsed.reason;
    const csr = parsed.value;
    const identifiers = order.identifiers as unknown as Identifier[];
    checkCsrNames(csr, identifiers);
    checkKeyPolicy(csr, profile);
    await checkNotAccountKey(csr, account);

    // The CSR is kept with the claim: a finalization this process cannot finish (it stops between
    // the claim and the recorded job) is finished by resumeInterrupted. Where the certificate lands
    // is read meanwhile.
    const csrPem = derToPem(csr.der, 'CERTIFICATE REQUEST');
    const landing = this.profileSettings.landing(profile.id);
    landing.catch(() => undefined); // awaited by requestIssuance unless the claim fails
    const claimed = await this.repository.transition(order.id, ['ready'], 'processing', { csrPem });
    if (claimed !== 1) throw new AcmeError('orderNotReady', 'the order is already being finalized');
    ordersTotal.inc({ status: 'processing' });
    const { order: processing, jobStatus } = await this.requestIssuance(
      { ...order, status: 'processing', csrPem },
      profile.id,
      csr.commonName ?? undefined,
      landing,
    );
    // A job recorded pending just now is not read before the wait: its events (or the poll) end it.
    const job = await this.jobs.wait(processing.jobId!, this.config.CERTCTL_ACME_FINALIZE_WAIT_MS, undefined, {
      queued: jobStatus === 'pending',
    });
    return this.settle(processing, job);
  }

  /**
   * Inventory records the certificate (with the profile's issuer, owner, team and renewal policy)
   * and queues its issuance, once per order (the order id is the job's idempotency key); the job
   * is recorded on the order. When inventory refuses, the order is ready again. Answers the order
   * and the job's status as inventory recorded it.
   */
  private async requestIssuance(
    order: OrderRow & { csrPem: string },
    profileId: string,
    csrCommonName: string | undefined,
    landing: Promise<Awaited<ReturnType<ProfileSettingsService['landing']>>> = this.profileSettings.landing(profileId),
  ): Promise<{ order: OrderRow; jobStatus: string }> {
    const identifiers = order.identifiers as unknown as Identifier[];
    const names = identifiers.map((identifier) => identifier.value);
    const commonName = csrCommonName?.toLowerCase() ?? identifiers.find((identifier) => identifier.type === 'dns')?.value ?? names[0];
    let issued: { certificate_id: string; job_id: string; job_status: string };
    try {
      issued = await this.rpc.request(AcmeRpc.inventoryIssue, {
        order_id: order.id,
        account_id: order.accountId,
        profile_id: profileId,
        ...(await landing),
        common_name: commonName,
        sans: names,
        csr_pem: order.csrPem,
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'validation_failed') {
        // Refused: nothing was queued; the order goes back to ready so the client may finalize again.
        await this.repository.transition(order.id, ['processing'], 'ready', { csrPem: null });
        throw new AcmeError('rejectedIdentifier', err.fields?.map((f) => f.message).join('; ') || err.message);
      }
      if (!(err instanceof AppError) || err.code !== 'service_unavailable') {
        await this.repository.transition(order.id, ['processing'], 'ready', { csrPem: null });
      }
      // Inventory could not be reached: it may have queued the job before the answer was lost, so
      // the order stays processing with its CSR and resumeInterrupted asks again (same job).
      throw err;
    }
    const recorded = await this.repository.recordIssuance(order.id, { certificateId: issued.certificate_id, jobId: issued.job_id });
    return { order: recorded, jobStatus: issued.job_status };
  }

  /**
   * Orders left processing for over a minute: those whose finalization was interrupted (the
   * process stopped, or inventory could not be reached, between the claim and the recorded job)
   * ask inventory again with their stored CSR (the same job, by the order id) and are settled;
   * those whose job ended while nobody polled them are settled. Run by the ACME garbage
   * collection (the scheduler's acme-gc loop, one replica at a time).
   */
  async resumeInterrupted(now = new Date(), limit = 200): Promise<number> {
    let settled = 0;
    for (const stale of await this.repository.findProcessingSince(new Date(now.getTime() - 60_000), limit)) {
      try {
        let order: OrderRow = stale;
        if (!order.jobId) {
          if (!order.csrPem) {
            // Claimed before CSRs were kept: nothing to finish it from.
            const error = {
              type: 'urn:ietf:params:acme:error:serverInternal',
              detail: 'the finalization was interrupted; create a new order',
            };
            await this.repository.transition(order.id, ['processing'], 'invalid', { error });
            settled++;
            continue;
          }
          const csr = await parseCsr(order.csrPem);
          ({ order } = await this.requestIssuance({ ...order, csrPem: order.csrPem }, order.profileId, csr.commonName ?? undefined));
        }
        const after = await this.settle(order);
        if (after.status !== 'processing') settled++;
      } catch (err) {
        getLogger().warn(
          { order_id: stale.id, err: (err as Error).message },
          'could not resume an interrupted ACME order; tried again at the next collection',
        );
      }
    }
    if (settled) getLogger().info({ orders: settled }, 'settled ACME orders left processing');
    return settled;
  }

  /**
   * A processing order whose job has finished becomes valid (the certificate its job stored) or
   * invalid.
   */
  async settle(order: OrderRow, known?: WaitedJob): Promise<OrderRow> {
    if (order.status !== 'processing' || !order.jobId || !order.certificateId) return order;
    const job = known ?? (await this.rpc.request(Rpc.inventory.jobGet, { id: order.jobId }));
    if (job.status === 'completed') {
      // The job's own version (one indexed read), not the whole certificate record.
      const { version } = await this.rpc.request(AcmeRpc.inventoryIssued, { job_id: order.jobId });
      if (!version) return order;
      const pem = await servedChain(version.certificate_pem, version.chain_pem);
      const serial = version.serial_number;
      const updated = await this.repository.transition(order.id, ['processing'], 'valid', {
        certificatePem: pem,
        serialNumber: serial,
        csrPem: null,
      });
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
      await this.repository.transition(order.id, ['processing'], 'invalid', { error, csrPem: null });
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
