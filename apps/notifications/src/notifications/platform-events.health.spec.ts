import { AppError } from '@certctl/contracts';
import { PlatformEventsHandler, healthAlertSeverity } from './platform-events.handler';

const change = (to: string, extra: Record<string, unknown> = {}): never =>
  ({
    health_check_id: 'hc-1',
    name: 'www-edge',
    address: '127.0.0.1:443',
    from: 'healthy',
    to,
    certificate_id: null,
    served_fingerprint: 'b'.repeat(64),
    expected_fingerprints: ['a'.repeat(64)],
    error: null,
    checked_at: '2026-12-05T04:00:00.000Z',
    ...extra,
  }) as never;

describe('health status changes become alerts', () => {
  const setup = () => {
    const dispatch = jest.fn().mockResolvedValue({ created: 1, duplicates: 0 });
    const request = jest
      .fn()
      .mockResolvedValue({ id: 'cert-1', name: 'www', team_id: 't-web', owner_id: 'o-1', renewal_policy_id: 'rp-1' });
    const on = jest.fn();
    return { dispatch, request, on, handler: new PlatformEventsHandler({ dispatch } as never, { request } as never, { on } as never) };
  };

  it('ok/a mismatch is a health.status_changed warning naming what is served and what was expected, once per probe', async () => {
    const { dispatch, handler } = setup();
    await handler.healthChanged(change('cert_mismatch'));
    const [alert] = dispatch.mock.calls[0][0].alerts;
    expect(alert).toMatchObject({
      event: 'health.status_changed',
      severity: 'warning',
      dedupe_key: 'health:hc-1:cert_mismatch:2026-12-05T04:00:00.000Z',
    });
    expect(alert.message).toContain('b'.repeat(64));
    expect(alert.message).toContain('a'.repeat(64));
    expect(alert.certificate).toBeUndefined();
  });

  it('ok/a check bound to a certificate carries its team, owner and policy so scoped rules match', async () => {
    const { dispatch, handler } = setup();
    await handler.healthChanged(change('down', { certificate_id: 'cert-1', error: 'ECONNREFUSED' }));
    expect(dispatch.mock.calls[0][0].alerts[0]).toMatchObject({ severity: 'critical', certificate: { id: 'cert-1', team_id: 't-web' } });
  });

  it('ok/each alerting event has its own durable consumer in the events stream', () => {
    const { on } = setup();
    expect(on.mock.calls.map(([event, name]) => [event.subject, name])).toEqual([
      ['certctl.v1.events.job.failed', 'job-failed'],
      ['certctl.v1.events.certificate.issued', 'certificate-issued'],
      ['certctl.v1.events.certificate.revoked', 'certificate-revoked'],
      ['certctl.v1.events.health.status-changed', 'health-status-changed'],
    ]);
  });

  it('fail/an alert that cannot be recorded fails the delivery, so the stream delivers the event again', async () => {
    const { dispatch, handler } = setup();
    dispatch.mockRejectedValueOnce(new Error('database unavailable'));
    await expect(handler.healthChanged(change('down'))).rejects.toThrow('database unavailable');
  });

  it('ok/severity: down critical, cert_mismatch and degraded warning, healthy info', () => {
    expect(['down', 'cert_mismatch', 'degraded', 'healthy'].map((s) => healthAlertSeverity(s as never))).toEqual([
      'critical',
      'warning',
      'warning',
      'info',
    ]);
  });

  it('fail/an issued certificate inventory cannot be asked about is taken again later, not routed without its policy', async () => {
    const { dispatch, request, handler } = setup();
    const issued = { certificate_id: 'cert-1', job_id: 'job-1', serial_number: '01', not_after: '2027-01-01T00:00:00.000Z' };
    request.mockRejectedValueOnce(
      new AppError('service_unavailable', 'the service answering certctl.v1.inventory.certificate.get is unavailable'),
    );
    await expect(handler.issued(issued)).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(dispatch).not.toHaveBeenCalled();
    // Redelivered once inventory answers: routed with the certificate's policy.
    await handler.issued(issued);
    expect(dispatch.mock.calls[0][0].alerts[0].certificate).toMatchObject({ id: 'cert-1', renewal_policy_id: 'rp-1' });
  });

  it('ok/a certificate that is gone is alerted on what the event says', async () => {
    const { dispatch, request, handler } = setup();
    request.mockRejectedValueOnce(new AppError('not_found', 'certificate cert-1 not found'));
    await handler.issued({ certificate_id: 'cert-1', job_id: 'job-1', serial_number: '01', not_after: '2027-01-01T00:00:00.000Z' });
    expect(dispatch.mock.calls[0][0].alerts[0].certificate).toEqual({ id: 'cert-1', name: 'cert-1' });
  });
});
