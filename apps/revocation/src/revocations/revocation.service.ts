import { Injectable } from '@nestjs/common';
import {
  AppError,
  type Actor,
  type RevocationDto,
  type RevocationReason,
  RevocationEvents,
  RevocationRpc,
  IssuerRpc,
  Rpc,
  revocationReasonSchema,
} from '@certctl/contracts';
import { newId } from '@certctl/database';
import { Outbox, RpcClient } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { CrlService } from '../crl/crl.service';
import { IssuerCache } from '../issuers/issuer-cache';
import { OcspCache } from '../ocsp/ocsp-cache';
import { RevocationConfigService } from './revocation-config.service';
import { RevocationRepository, type RevocationRow } from './revocation.repository';

const revocationsTotal = counter('certctl_revocations_total', 'Certificate revocations by reason and result', ['reason', 'result']);

/** The issued version a revocation is about. */
interface RevokedVersion {
  issuer_id: string;
  serial_number: string;
  not_before: string;
  not_after: string;
}

/**
 * Revoking one certificate: the row is written once (unique issuer+serial), inventory
 * marks the certificate revoked, the OCSP cache forgets it, a CRL build is scheduled and
 * an event is published. Every step is idempotent, so a retry (or a second request)
 * converges on the same state and the same answer.
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly revocations: RevocationRepository,
    private readonly rpc: RpcClient,
    private readonly crl: CrlService,
    private readonly cache: OcspCache,
    private readonly settings: RevocationConfigService,
    private readonly issuers: IssuerCache,
    private readonly outbox: Outbox,
  ) {}

  async revoke(
    actor: Actor,
    certificateId: string,
    reason: RevocationReason,
    serialNumber?: string,
    versionIssuerId?: string,
  ): Promise<RevocationDto> {
    const { version, earlier } = await this.versionToRevoke(certificateId, serialNumber, versionIssuerId);
    const issuerId = version.issuer_id;
    const serial = version.serial_number;
    if (reason === 'removeFromCRL') return this.lift(actor, certificateId, issuerId, serial);

    const existing = await this.revocations.findBySerial(issuerId, serial);
    // A local CA publishes the revocation in its CRL; a connector issuer's CA is told first
    // (a refusal records nothing) and publishes its own.
    const localCa = (await this.issuers.get(issuerId)) !== null;
    const { row, created } = existing
      ? { row: existing, created: false }
      : await this.record(actor, certificateId, reason, version, localCa);
    if (created) this.outbox.wake(); // its event was written with the row
    await this.propagate(row, localCa, !earlier);
    revocationsTotal.inc({ reason: row.reason, result: created ? 'revoked' : 'already_revoked' });
    if (created)
      getLogger().info({ certificate_id: certificateId, serial, issuer_id: issuerId, reason, actor: actor.principal }, 'revoked');
    return toDto(row, created);
  }

  /**
   * The certificate's current version, or the earlier version `serialNumber` names (revoked on
   * the CRL and in OCSP; the certificate's status stays), from `versionIssuerId` when it was
   * signed by another issuer than the current version (a re-issuance from a new issuer).
   */
  private async versionToRevoke(
    certificateId: string,
    serialNumber?: string,
    versionIssuerId?: string,
  ): Promise<{ version: RevokedVersion; earlier: boolean }> {
    const cert = await this.rpc.request(Rpc.inventory.certificateGet, { id: certificateId });
    const current: RevokedVersion | null = cert.current_version;
    if (!current) throw new AppError('conflict', `certificate ${certificateId} has no issued version to revoke`);
    const issuerId = versionIssuerId ?? current.issuer_id;
    if (serialNumber === undefined || (serialNumber === current.serial_number && issuerId === current.issuer_id))
      return { version: current, earlier: false };
    const found = await this.rpc.request(RevocationRpc.inventoryBySerial, { issuer_id: issuerId, serial_number: serialNumber });
    if (!found.found || found.certificate_id !== certificateId) {
      throw AppError.notFound('certificate version', `${certificateId}/${serialNumber}`);
    }
    const version = {
      issuer_id: issuerId,
      serial_number: serialNumber,
      not_before: found.not_before!,
      not_after: found.not_after!,
    };
    return { version, earlier: true };
  }

  /** Tells a connector issuer's CA, then writes the row once (a concurrent request's row wins). */
  private async record(
    actor: Actor,
    certificateId: string,
    reason: RevocationReason,
    version: RevokedVersion,
    localCa: boolean,
  ): Promise<{ row: RevocationRow; created: boolean }> {
    const issuerId = version.issuer_id;
    const serial = version.serial_number;
    if (!localCa) {
      await this.rpc.request(IssuerRpc.revoke, { issuer_id: issuerId, serial_number: serial, reason }, { timeoutMs: 130000 });
    }
    const notBefore = new Date(version.not_before);
    const notAfter = new Date(version.not_after);
    return this.revocations.insertOnce(
      {
        id: newId('rev'),
        issuerId,
        serialNumber: serial,
        certificateId,
        reason,
        revokedAt: new Date(Math.floor(Date.now() / 1000) * 1000),
        actor: actor.principal,
        notAfter,
        shortLived: notAfter.getTime() - notBefore.getTime() < this.settings.shortLivedMs,
      },
      (tx, row) => this.outbox.enqueue(tx, RevocationEvents.certificateRevoked, revocationEvent(row)),
    );
  }

  /** Inventory status, cache and CRL (the event went into the outbox with the row); safe to repeat. */
  private async propagate(row: RevocationRow, localCa: boolean, current = true): Promise<void> {
    if (current) {
      await this.rpc.request(RevocationRpc.inventoryRevoke, {
        certificate_id: row.certificateId,
        reason: row.reason as RevocationReason,
        revoked_at: row.revokedAt.toISOString(),
        actor: row.actor,
      });
    }
    await this.cache.invalidate(row.issuerId, row.serialNumber);
    // A status read in flight during the write may re-cache "good"; forget it again shortly after.
    setTimeout(() => void this.cache.invalidate(row.issuerId, row.serialNumber), 1000).unref();
    if (localCa) this.crl.schedule(row.issuerId);
  }

  /** removeFromCRL: only a certificateHold can be lifted. */
  private async lift(actor: Actor, certificateId: string, issuerId: string, serial: string): Promise<RevocationDto> {
    const row = await this.revocations.findBySerial(issuerId, serial);
    if (!row || row.reason !== 'certificateHold') {
      throw new AppError('conflict', 'removeFromCRL only lifts a certificateHold; this certificate is not on hold');
    }
    await this.revocations.deleteById(row.id, (tx) =>
      this.outbox.enqueue(tx, RevocationEvents.certificateUnrevoked, {
        ...revocationEvent(row),
        reason: 'removeFromCRL',
        actor: actor.principal,
      }),
    );
    this.outbox.wake();
    await this.rpc.request(RevocationRpc.inventoryRevoke, {
      certificate_id: certificateId,
      reason: 'removeFromCRL',
      revoked_at: new Date().toISOString(),
      actor: actor.principal,
    });
    await this.cache.invalidate(issuerId, serial);
    this.crl.schedule(issuerId);
    return { ...toDto(row, true), reason: 'removeFromCRL' };
  }
}

/** The certificateRevoked event of a stored revocation. */
function revocationEvent(row: RevocationRow) {
  return {
    certificate_id: row.certificateId,
    issuer_id: row.issuerId,
    serial_number: row.serialNumber,
    reason: row.reason as RevocationReason,
    revoked_at: row.revokedAt.toISOString(),
    actor: row.actor,
  };
}

function toDto(row: RevocationRow, created: boolean): RevocationDto {
  return {
    certificate_id: row.certificateId,
    serial_number: row.serialNumber,
    issuer_id: row.issuerId,
    reason: revocationReasonSchema.parse(row.reason),
    revoked_at: row.revokedAt.toISOString(),
    actor: row.actor,
    created,
  };
}
