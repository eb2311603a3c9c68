import { Inject, Injectable } from '@nestjs/common';
import { type Alert, NotificationRpc, type ScanCertificate, SchedulerRpc } from '@certctl/contracts';
import { RpcClient } from '@certctl/messaging';
import { registerOnce, registry } from '@certctl/observability';
import { Gauge } from 'prom-client';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../config';
import { renewalSchedule, renewalStartAt } from '@certctl/pki';
import { alertKeys, expiryThreshold, severityForThreshold } from './renewal-time';

const DISPATCH_CHUNK = 250;
type NewJob = { certificate_id: string; version_id: string; scheduled_at: string };

/**
 * What the last complete renewal scan found: certificates due for renewal by whether a
 * renewal job exists for them (`job`: created or already open; `approval`: created and
 * waiting for an approver; `none`: auto-renew is off, so nothing will renew them).
 */
export const renewalDueGauge = registerOnce(
  'certctl_renewal_due_certificates',
  () =>
    new Gauge({
      name: 'certctl_renewal_due_certificates',
      help: 'Certificates due for renewal at the last complete renewal scan, by renewal (job, approval, none: no job will be created)',
      labelNames: ['renewal'] as const,
      registers: [registry],
    }),
);
/** Certificates inside one of their expiry alert thresholds at the last complete expiry-alert scan. */
export const expiryAlertingGauge = registerOnce(
  'certctl_expiry_alerting_certificates',
  () =>
    new Gauge({
      name: 'certctl_expiry_alerting_certificates',
      help: 'Certificates within an expiry alert threshold of their renewal policy at the last complete expiry-alert scan',
      registers: [registry],
    }),
);

/** What a scan decides for one certificate: pure, so the unit tests and the benchmark share it. */
export function planRenewal(c: ScanCertificate, now: Date, maxJitterMs: number): { job?: NewJob; alert?: Alert } {
  const notBefore = new Date(c.not_before);
  const notAfter = new Date(c.not_after);
  // The issuer's ARI window when it gave one, else the renewal policy (the same plan the certificate shows).
  const due = renewalSchedule({
    certificateId: c.id,
    notBefore,
    notAfter,
    renewBeforeDays: c.renew_before_days,
    renewBeforeFraction: c.renew_before_fraction,
    ariWindow: c.ari_window_start && c.ari_window_end ? { start: new Date(c.ari_window_start), end: new Date(c.ari_window_end) } : null,
    autoRenew: c.auto_renew,
    maxJitterMs,
  }).dueAt;
  if (now < due || now >= notAfter) return {};
  if (c.auto_renew) {
    return {
      job: {
        certificate_id: c.id,
        version_id: c.version_id,
        scheduled_at: renewalStartAt(c.id, due, notAfter, now, maxJitterMs).toISOString(),
      },
    };
  }
  return {
    alert: {
      event: 'certificate.renewal_due',
      severity: 'warning',
      subject: `Certificate ${c.name} is due for renewal (auto-renew is off)`,
      message: `Certificate ${c.name} (${c.id}) expires at ${c.not_after} and its renewal policy does not renew automatically.`,
      dedupe_key: alertKeys(c.id, c.version_id).renewalDue,
      certificate: certRef(c),
    },
  };
}

export function planExpiryAlert(c: ScanCertificate, now: Date): Alert | undefined {
  const t = expiryThreshold(new Date(c.not_after), now, c.alert_thresholds_days);
  if (t === null) return undefined;
  return {
    event: 'certificate.expiring',
    severity: severityForThreshold(t),
    subject: `Certificate ${c.name} expires within ${t} day${t === 1 ? '' : 's'}`,
    message: `Certificate ${c.name} (${c.id}) expires at ${c.not_after}.`,
    dedupe_key: alertKeys(c.id, c.version_id).expiring(t),
    certificate: certRef(c),
    data: { threshold_days: t },
  };
}

export function approvalAlert(c: ScanCertificate, jobId: string): Alert {
  return {
    event: 'job.awaiting_approval',
    severity: 'warning',
    subject: `Renewal of ${c.name} awaits approval`,
    message: `Renewal job ${jobId} for certificate ${c.name} (${c.id}, expires at ${c.not_after}) needs an approver: POST /api/v1/jobs/${jobId}/approve.`,
    dedupe_key: `awaiting-approval:${jobId}`,
    certificate: certRef(c),
    data: { job_id: jobId },
  };
}

function certRef(c: ScanCertificate) {
  return {
    id: c.id,
    name: c.name,
    expires_at: c.not_after,
    renewal_policy_id: c.renewal_policy_id,
    team_id: c.team_id,
    owner_id: c.owner_id,
    owner_email: c.owner_email,
  };
}

/**
 * The renewal scan and the expiry-alert scan: page through inventory's certificates
 * (keyset by id), decide per certificate, send one create-jobs / dispatch request per page.
 */
@Injectable()
export class RenewalScanService {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  private async *pages(only: 'renewal' | 'expiry'): AsyncGenerator<ScanCertificate[]> {
    let after: string | undefined;
    for (;;) {
      const page = await this.rpc.request(
        SchedulerRpc.renewalScanBatch,
        { after_id: after, limit: this.config.CERTCTL_SCHEDULER_BATCH_SIZE, only },
        { timeoutMs: 30000 },
      );
      if (page.data.length) yield page.data;
      if (!page.next_after_id) return;
      after = page.next_after_id;
    }
  }

  /** Alerts in chunks that keep each NATS message well under its 1 MB limit. */
  private async dispatch(alerts: Alert[]): Promise<{ created: number; duplicates: number }> {
    const out = { created: 0, duplicates: 0 };
    for (let i = 0; i < alerts.length; i += DISPATCH_CHUNK) {
      const r = await this.rpc.request(NotificationRpc.dispatch, { alerts: alerts.slice(i, i + DISPATCH_CHUNK) }, { timeoutMs: 30000 });
      out.created += r.created;
      out.duplicates += r.duplicates;
    }
    return out;
  }

  async renewalScan(now = new Date()) {
    const out = { candidates: 0, due: 0, created: 0, awaiting_approval: 0, duplicates: 0, alerts: 0 };
    let withoutJob = 0;
    for await (const page of this.pages('renewal')) {
      out.candidates += page.length;
      const jobs: NewJob[] = [];
      const alerts: Alert[] = [];
      for (const c of page) {
        const plan = planRenewal(c, now, this.config.CERTCTL_RENEWAL_JITTER_MAX_MS);
        if (plan.job) jobs.push(plan.job);
        if (plan.alert) alerts.push(plan.alert);
      }
      out.due += jobs.length + alerts.length;
      withoutJob += alerts.length;
      if (jobs.length) {
        const r = await this.rpc.request(SchedulerRpc.renewalCreateJobs, { jobs }, { timeoutMs: 30000 });
        out.created += r.created;
        out.awaiting_approval += r.awaiting_approval;
        out.duplicates += r.duplicates;
        const byId = new Map(page.map((c) => [c.id, c]));
        for (const j of r.awaiting_jobs) {
          const c = byId.get(j.certificate_id);
          if (c) alerts.push(approvalAlert(c, j.job_id));
        }
      }
      if (alerts.length) out.alerts += (await this.dispatch(alerts)).created;
    }
    renewalDueGauge.set({ renewal: 'job' }, out.due - withoutJob - out.awaiting_approval);
    renewalDueGauge.set({ renewal: 'approval' }, out.awaiting_approval);
    renewalDueGauge.set({ renewal: 'none' }, withoutJob);
    return out;
  }

  async expiryAlertScan(now = new Date()) {
    const out = { candidates: 0, alerting: 0, created: 0, duplicates: 0 };
    for await (const page of this.pages('expiry')) {
      out.candidates += page.length;
      const alerts = page.map((c) => planExpiryAlert(c, now)).filter((a): a is Alert => a !== undefined);
      out.alerting += alerts.length;
      if (alerts.length) {
        const r = await this.dispatch(alerts);
        out.created += r.created;
        out.duplicates += r.duplicates;
      }
    }
    expiryAlertingGauge.set(out.alerting);
    return out;
  }
}
