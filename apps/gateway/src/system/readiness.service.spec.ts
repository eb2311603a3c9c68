import { readinessOf } from './readiness.service';

describe('readinessOf (one service /ready answer → GET /api/v1/system/readiness row)', () => {
  it('a 200 "ready" answer is ready with its checks and no detail', () => {
    const row = readinessOf('issuance', { httpStatus: 200, body: { status: 'ready', checks: { database: 'ok', nats: 'ok' } } }, 12.4);
    expect(row).toEqual({
      service: 'issuance',
      ready: true,
      status: 'ready',
      checks: { database: 'ok', nats: 'ok' },
      latency_ms: 12,
      detail: null,
    });
  });

  it('a failing check is "unavailable" without its error text (no internal addresses), named in detail', () => {
    const body = { status: 'not_ready', checks: { database: 'unavailable: connect ECONNREFUSED 10.0.0.5:5432', redis: 'ok' } };
    const row = readinessOf('inventory', { httpStatus: 503, body }, 5);
    expect(row).toMatchObject({
      ready: false,
      status: 'not_ready',
      checks: { database: 'unavailable', redis: 'ok' },
      detail: 'database unavailable',
    });
    expect(JSON.stringify(row)).not.toContain('10.0.0.5');
  });

  it('shutting down, an odd answer and no answer are not ready', () => {
    expect(readinessOf('acme', { httpStatus: 503, body: { status: 'shutting_down', checks: {} } }, 1)).toMatchObject({
      ready: false,
      status: 'shutting_down',
      detail: 'HTTP 503 from /ready',
    });
    expect(readinessOf('acme', { httpStatus: 200, body: 'not json' }, 1)).toMatchObject({ ready: false, status: 'not_ready' });
    expect(readinessOf('scheduler', { error: 'no answer (connection failed)' }, 2)).toMatchObject({
      ready: false,
      status: 'unreachable',
      checks: {},
      detail: 'no answer (connection failed)',
    });
  });
});
