import { type ScanCertificate, SchedulerRpc } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { registry } from '@certctl/observability';
import type { SchedulerConfig } from '../config';
import { RenewalScanService, approvalAlert, planExpiryAlert, planRenewal } from './renewal-scan.service';
import { ariDueAt } from '@certctl/pki';

const DAY = 86400000;
const now = new Date('2026-06-01T00:00:00.000Z');
const cert = (over: Partial<ScanCertificate> = {}): ScanCertificate => ({
  id: 'cert-1',
  name: 'web',
  status: 'active',
  version_id: 'ver-1',
  not_before: new Date(now.getTime() - 80 * DAY).toISOString(),
  not_after: new Date(now.getTime() + 10 * DAY).toISOString(),
  renewal_policy_id: 'pol-1',
  renew_before_days: null,
  renew_before_fraction: null,
  auto_renew: true,
  alert_thresholds_days: [30, 14, 7, 1],
  requires_approval: false,
  team_id: 'team-1',
  owner_id: 'own-1',
  owner_email: 'o@example.test',
  ...over,
});

describe('planRenewal', () => {
  it('ok/a due certificate with auto-renew gets a job keyed by its version', () => {
    const plan = planRenewal(cert(), now, 0);
    expect(plan.job).toEqual({ certificate_id: 'cert-1', version_id: 'ver-1', scheduled_at: now.toISOString() });
    expect(plan.alert).toBeUndefined();
  });

  it('ok/auto-renew off only alerts', () => {
    const plan = planRenewal(cert({ auto_renew: false }), now, 0);
    expect(plan.job).toBeUndefined();
    expect(plan.alert).toMatchObject({ event: 'certificate.renewal_due', dedupe_key: 'renewal-due:cert-1:ver-1' });
  });

  it('ok/an issuer-suggested ARI window wins over the policy: due at one id-derived moment inside it', () => {
    // The policy says due long ago (a third of the lifetime is left); the window starts in 2 days.
    const window = {
      ari_window_start: new Date(now.getTime() + 2 * DAY).toISOString(),
      ari_window_end: new Date(now.getTime() + 4 * DAY).toISOString(),
    };
    expect(planRenewal(cert(window), now, 0)).toEqual({});
    const later = new Date(now.getTime() + 4 * DAY);
    const plan = planRenewal(cert(window), later, 0);
    expect(plan.job).toMatchObject({ certificate_id: 'cert-1', version_id: 'ver-1' });
    // a fleet given one window spreads across it, the same moment on every replica
    const dues = Array.from({ length: 200 }, (_, i) =>
      ariDueAt(`cert-${i}`, new Date(window.ari_window_start), new Date(window.ari_window_end)).getTime(),
    );
    expect(Math.min(...dues)).toBeGreaterThanOrEqual(new Date(window.ari_window_start).getTime());
    expect(Math.max(...dues)).toBeLessThan(new Date(window.ari_window_end).getTime());
    expect(Math.max(...dues) - Math.min(...dues)).toBeGreaterThan(1.5 * DAY);
    expect(ariDueAt('cert-7', new Date(window.ari_window_start), new Date(window.ari_window_end))).toEqual(new Date(dues[7]!));
  });

  it('fail/not yet due by its policy window', () => {
    expect(planRenewal(cert({ renew_before_days: 5 }), now, 0)).toEqual({});
  });

  it('fail/an expired certificate is not renewed by the scan', () => {
    expect(planRenewal(cert({ not_after: new Date(now.getTime() - DAY).toISOString() }), now, 0)).toEqual({});
  });
});

describe('planExpiryAlert', () => {
  it('ok/10 days left → the 14-day alert with the name and expiry in the message', () => {
    const a = planExpiryAlert(cert(), now)!;
    expect(a).toMatchObject({ event: 'certificate.expiring', dedupe_key: 'expiring:cert-1:ver-1:14d', severity: 'info' });
    expect(a.message).toContain('web');
    expect(a.message).toContain(cert().not_after);
  });

  it('fail/no alert far from expiry', () => {
    expect(planExpiryAlert(cert({ not_after: new Date(now.getTime() + 60 * DAY).toISOString() }), now)).toBeUndefined();
  });
});

describe('approvalAlert', () => {
  it('ok/names the job, the certificate and how to approve, deduplicated per job', () => {
    const a = approvalAlert(cert(), 'job-7');
    expect(a).toMatchObject({
      event: 'job.awaiting_approval',
      dedupe_key: 'awaiting-approval:job-7',
      certificate: { id: 'cert-1', team_id: 'team-1' },
    });
    expect(a.message).toContain('/api/v1/jobs/job-7/approve');
  });
});

describe('RenewalScanService metrics', () => {
  const config = { CERTCTL_SCHEDULER_BATCH_SIZE: 1000, CERTCTL_RENEWAL_JITTER_MAX_MS: 0 } as unknown as SchedulerConfig;
  /** A bus answering one page of certificates; every requested renewal job is created (the approval one waits). */
  const bus = (page: ScanCertificate[]) =>
    ({
      request: jest.fn(async (contract: { subject: string }, payload: { jobs?: { certificate_id: string }[]; alerts?: unknown[] }) => {
        if (contract.subject === SchedulerRpc.renewalScanBatch.subject) return { data: page, next_after_id: null };
        if (contract.subject === SchedulerRpc.renewalCreateJobs.subject) {
          const jobs = payload.jobs ?? [];
          const waiting = jobs.filter((j) => j.certificate_id === 'cert-approval');
          return {
            created: jobs.length,
            awaiting_approval: waiting.length,
            duplicates: 0,
            awaiting_jobs: waiting.map((j) => ({
              job_id: `job-${j.certificate_id}`,
              certificate_id: j.certificate_id,
            })),
          };
        }
        return { created: payload.alerts?.length ?? 0, duplicates: 0 };
      }),
    }) as unknown as RpcClient;
  const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values;

  it('ok/the renewal scan publishes due certificates by whether a renewal job exists', async () => {
    const page = [
      cert({ id: 'cert-a' }),
      cert({ id: 'cert-approval' }),
      cert({ id: 'cert-off', auto_renew: false }),
      cert({ id: 'cert-later', renew_before_days: 5 }),
    ];
    await new RenewalScanService(bus(page), config).renewalScan(now);
    const values = await gauge('certctl_renewal_due_certificates');
    expect(Object.fromEntries(values.map((v) => [v.labels.renewal, v.value]))).toEqual({ job: 1, approval: 1, none: 1 });
  });

  it('fail/a scan without due certificates sets every count back to 0', async () => {
    await new RenewalScanService(bus([cert({ id: 'cert-off', auto_renew: false })]), config).renewalScan(now);
    await new RenewalScanService(bus([]), config).renewalScan(now);
    const values = await gauge('certctl_renewal_due_certificates');
    expect(values.map((v) => v.value)).toEqual([0, 0, 0]);
  });

  it('ok/the expiry-alert scan publishes how many certificates are inside an alert threshold', async () => {
    await new RenewalScanService(
      bus([cert({ id: 'cert-a' }), cert({ id: 'cert-b', not_after: new Date(now.getTime() + 300 * DAY).toISOString() })]),
      config,
    ).expiryAlertScan(now);
    expect((await gauge('certctl_expiry_alerting_certificates'))[0]!.value).toBe(1);
  });
});
