import { Injectable } from '@nestjs/common';
import {
  AppError,
  type Alert,
  type EventPayload,
  Events,
  type HealthStatus,
  InventoryHealthCheck,
  RevocationEvents,
  Rpc,
  type Severity,
} from '@certctl/contracts';
import { DurableEvents, RpcClient } from '@certctl/messaging';
import { NotificationService } from './notification.service';

/** Severity of a health check's transition into `status`: down is critical, a mismatch or degraded a warning, recovery info. */
export function healthAlertSeverity(status: HealthStatus): Severity {
  if (status === 'down') return 'critical';
  if (status === 'cert_mismatch' || status === 'degraded') return 'warning';
  return 'info';
}

/**
 * Platform events that become alerts. Each event is taken from the durable events stream by one
 * notifications replica (JetStream consumers `notifications-<event>`: an event published while
 * notifications is down is delivered when it is back); an alert that cannot be recorded fails
 * the delivery, which is retried with backoff. Every alert carries a dedupe key, so a
 * redelivered event does not notify twice.
 */
@Injectable()
export class PlatformEventsHandler {
  constructor(
    private readonly notifications: NotificationService,
    private readonly rpc: RpcClient,
    events: DurableEvents,
  ) {
    events.on(Events.jobFailed, 'job-failed', (e) => this.jobFailed(e));
    events.on(Events.certificateIssued, 'certificate-issued', (e) => this.issued(e));
    events.on(RevocationEvents.certificateRevoked, 'certificate-revoked', (e) => this.revoked(e));
    events.on(InventoryHealthCheck.statusChanged, 'health-status-changed', (e) => this.healthChanged(e));
  }

  async jobFailed(e: EventPayload<typeof Events.jobFailed>): Promise<void> {
    const cert = await this.certificate(e.certificate_id);
    await this.send({
      event: 'renewal.failed',
      severity: 'critical',
      subject: `Issuance or renewal of ${cert?.name ?? e.certificate_id} failed`,
      message: `Job ${e.job_id} for certificate ${cert?.name ?? ''} (${e.certificate_id}) failed: ${e.error}`,
      dedupe_key: `job-failed:${e.job_id}`,
      certificate: cert ?? { id: e.certificate_id, name: e.certificate_id },
      data: { job_id: e.job_id },
    });
  }

  async issued(e: EventPayload<typeof Events.certificateIssued>): Promise<void> {
    const cert = await this.certificate(e.certificate_id);
    const notAfter = e.not_after;
    await this.send({
      event: 'certificate.issued',
      severity: 'info',
      subject: `Certificate ${cert?.name ?? e.certificate_id} issued`,
      message: `Certificate ${cert?.name ?? ''} (${e.certificate_id}) was issued${notAfter ? `; it expires at ${notAfter}` : ''}.`,
      dedupe_key: `issued:${e.job_id ?? e.certificate_id}`,
      certificate: cert ?? { id: e.certificate_id, name: e.certificate_id },
    });
  }

  async revoked(e: EventPayload<typeof RevocationEvents.certificateRevoked>): Promise<void> {
    const cert = await this.certificate(e.certificate_id);
    await this.send({
      event: 'certificate.revoked',
      severity: e.reason === 'keyCompromise' || e.reason === 'cACompromise' ? 'critical' : 'warning',
      subject: `Certificate ${cert?.name ?? e.certificate_id} revoked (${e.reason})`,
      message: `Certificate ${cert?.name ?? ''} (${e.certificate_id}, serial ${e.serial_number}) was revoked by ${e.actor} at ${e.revoked_at}: ${e.reason}.`,
      dedupe_key: `revoked:${e.issuer_id}:${e.serial_number}:${e.reason}`,
      certificate: cert ?? { id: e.certificate_id, name: e.certificate_id },
      data: { serial_number: e.serial_number, reason: e.reason },
    });
  }

  async healthChanged(h: EventPayload<typeof InventoryHealthCheck.statusChanged>): Promise<void> {
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

  /** Records the alert; a failure fails the event's delivery (retried by the stream). */
  private async send(alert: Alert): Promise<void> {
    await this.notifications.dispatch({ alerts: [{ data: {}, ...alert, severity: alert.severity ?? 'info' }] });
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
    } catch (err) {
      // Inventory unreachable (restarting, or the bus down): the event is taken again later
      // (redelivery with backoff), since routing needs the certificate's policy, team and owner.
      // A certificate that is gone is routed on what the event says.
      if (err instanceof AppError && err.code === 'service_unavailable') throw err;
      return undefined;
    }
  }
}
