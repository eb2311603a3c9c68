import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { type Alert, Events, type HealthStatus, InventoryHealthCheck, RevocationEvents, Rpc, type Severity } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { getLogger } from '@certctl/observability';
import { NotificationService } from './notification.service';

/** Severity of a health check's transition into `status`: down is critical, a mismatch or degraded a warning, recovery info. */
export function healthAlertSeverity(status: HealthStatus): Severity {
  if (status === 'down') return 'critical';
  if (status === 'cert_mismatch' || status === 'degraded') return 'warning';
  return 'info';
}

/**
 * Platform events that become alerts. Each event reaches one notifications replica (queue
 * group) and carries a dedupe key, so a redelivered event does not notify twice.
 */
@Controller()
export class PlatformEventsHandler {
  constructor(
    private readonly notifications: NotificationService,
    private readonly rpc: RpcClient,
  ) {}

  @EventPattern(Events.jobFailed.subject)
  async jobFailed(@Payload() raw: unknown): Promise<void> {
    const e = Events.jobFailed.payload.safeParse(raw);
    if (!e.success) return void getLogger().warn({ subject: Events.jobFailed.subject }, 'malformed event ignored');
    const cert = await this.certificate(e.data.certificate_id);
    await this.send({
      event: 'renewal.failed',
      severity: 'critical',
      subject: `Issuance or renewal of ${cert?.name ?? e.data.certificate_id} failed`,
      message: `Job ${e.data.job_id} for certificate ${cert?.name ?? ''} (${e.data.certificate_id}) failed: ${e.data.error}`,
      dedupe_key: `job-failed:${e.data.job_id}`,
      certificate: cert ?? { id: e.data.certificate_id, name: e.data.certificate_id },
      data: { job_id: e.data.job_id },
    });
  }

  @EventPattern(Events.certificateIssued.subject)
  async issued(@Payload() raw: unknown): Promise<void> {
    const e = Events.certificateIssued.payload.safeParse(raw);
    if (!e.success) return void getLogger().warn({ subject: Events.certificateIssued.subject }, 'malformed event ignored');
    const cert = await this.certificate(e.data.certificate_id);
    const notAfter = e.data.not_after;
    await this.send({
      event: 'certificate.issued',
      severity: 'info',
      subject: `Certificate ${cert?.name ?? e.data.certificate_id} issued`,
      message: `Certificate ${cert?.name ?? ''} (${e.data.certificate_id}) was issued${notAfter ? `; it expires at ${notAfter}` : ''}.`,
      dedupe_key: `issued:${e.data.job_id ?? e.data.certificate_id}`,
      certificate: cert ?? { id: e.data.certificate_id, name: e.data.certificate_id },
    });
  }

  @EventPattern(RevocationEvents.certificateRevoked.subject)
  async revoked(@Payload() raw: unknown): Promise<void> {
    const e = RevocationEvents.certificateRevoked.payload.safeParse(raw);
    if (!e.success) return void getLogger().warn({ subject: RevocationEvents.certificateRevoked.subject }, 'malformed event ignored');
    const cert = await this.certificate(e.data.certificate_id);
    await this.send({
      event: 'certificate.revoked',
      severity: e.data.reason === 'keyCompromise' || e.data.reason === 'cACompromise' ? 'critical' : 'warning',
      subject: `Certificate ${cert?.name ?? e.data.certificate_id} revoked (${e.data.reason})`,
      message: `Certificate ${cert?.name ?? ''} (${e.data.certificate_id}, serial ${e.data.serial_number}) was revoked by ${e.data.actor} at ${e.data.revoked_at}: ${e.data.reason}.`,
      dedupe_key: `revoked:${e.data.issuer_id}:${e.data.serial_number}:${e.data.reason}`,
      certificate: cert ?? { id: e.data.certificate_id, name: e.data.certificate_id },
      data: { serial_number: e.data.serial_number, reason: e.data.reason },
    });
  }

  @EventPattern(InventoryHealthCheck.statusChanged.subject)
  async healthChanged(@Payload() raw: unknown): Promise<void> {
    const e = InventoryHealthCheck.statusChanged.payload.safeParse(raw);
    if (!e.success) return void getLogger().warn({ subject: InventoryHealthCheck.statusChanged.subject }, 'malformed event ignored');
    const h = e.data;
    const cert = h.certificate_id ? await this.certificate(h.certificate_id) : undefined;
    const why = h.to === 'cert_mismatch' ? `it serves ${h.served_fingerprint}, expected ${h.expected_fingerprints.join(' and ')}` : h.error;
    await this.send({
      event: 'health.status_changed',
      severity: healthAlertSeverity(h.to),
      subject: `Endpoint ${h.name} (${h.address}) is ${h.to}`,
      message: `Health check ${h.name} (${h.health_check_id}) went from ${h.from} to ${h.to} at ${h.checked_at}${why ? `: ${why}` : ''}.`,
      dedupe_key: `health:${h.health_check_id}:${h.to}:${h.checked_at}`,
      ...(cert ? { certificate: cert } : {}),
      data: { health_check_id: h.health_check_id, address: h.address, from: h.from, to: h.to, served_fingerprint: h.served_fingerprint },
    });
  }

  private async send(alert: Alert): Promise<void> {
    try {
      await this.notifications.dispatch({ alerts: [{ data: {}, ...alert, severity: alert.severity ?? 'info' }] });
    } catch (err) {
      getLogger().warn({ event: alert.event, err: (err as Error).message }, 'could not record alert for platform event');
    }
  }

  /** The certificate's routing context (policy, team, owner); without it only unscoped rules match. */
  private async certificate(id: string): Promise<Alert['certificate'] | undefined> {
    try {
      const c = await this.rpc.request(Rpc.inventory.certificateGet, { id }, { timeoutMs: 2000 });
      return {
        id: c.id,
        name: c.name,
        expires_at: c.current_version?.not_after ?? null,
        renewal_policy_id: c.renewal_policy_id,
        team_id: c.team_id,
        owner_id: c.owner_id,
      };
    } catch {
      return undefined;
    }
  }
}
