import { PlatformEventsHandler, healthAlertSeverity } from './platform-events.handler';

const change = (to: string, extra: Record<string, unknown> = {}) => ({
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
});

describe('health status changes become alerts', () => {
  const setup = () => {
    const dispatch = jest.fn().mockResolvedValue({ created: 1, duplicates: 0 });
    const request = jest
      .fn()
      .mockResolvedValue({ id: 'cert-1', name: 'www', team_id: 't-web', owner_id: 'o-1', renewal_policy_id: 'rp-1' });
    return { dispatch, request, handler: new PlatformEventsHandler({ dispatch } as never, { request } as never) };
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

  it('fail/a malformed event is ignored, never dispatched', async () => {
    const { dispatch, handler } = setup();
    await handler.healthChanged({ to: 'sideways' });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('ok/severity: down critical, cert_mismatch and degraded warning, healthy info', () => {
    expect(['down', 'cert_mismatch', 'degraded', 'healthy'].map((s) => healthAlertSeverity(s as never))).toEqual([
      'critical',
      'warning',
      'warning',
      'info',
    ]);
  });
});
