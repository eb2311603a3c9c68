import { AppError, ErrorCode } from '@certctl/contracts';
import { toAcmeError } from '../http/acme-edge';
import { APP_ERROR_TO_ACME, AcmeError, acmeErrorFromAppError } from './errors';

describe('AppError → ACME problem (RFC 8555 §6.7)', () => {
  const expected: Record<ErrorCode, { urn: string; status: number; detail: 'own' | 'generic' }> = {
    validation_failed: { urn: 'malformed', status: 400, detail: 'own' },
    bad_request: { urn: 'malformed', status: 400, detail: 'own' },
    not_found: { urn: 'malformed', status: 404, detail: 'own' },
    conflict: { urn: 'conflict', status: 409, detail: 'own' },
    unauthorized: { urn: 'unauthorized', status: 403, detail: 'own' },
    forbidden: { urn: 'unauthorized', status: 403, detail: 'own' },
    rate_limited: { urn: 'rateLimited', status: 429, detail: 'own' },
    payload_too_large: { urn: 'malformed', status: 413, detail: 'own' },
    illegal_transition: { urn: 'conflict', status: 409, detail: 'own' },
    agent_retired: { urn: 'unauthorized', status: 403, detail: 'own' },
    service_unavailable: { urn: 'serverInternal', status: 503, detail: 'generic' },
    timeout: { urn: 'serverInternal', status: 503, detail: 'generic' },
    issuer_failure: { urn: 'serverInternal', status: 500, detail: 'generic' },
    internal: { urn: 'serverInternal', status: 500, detail: 'generic' },
  };

  it('ok/the table covers every ErrorCode', () => {
    expect(Object.keys(APP_ERROR_TO_ACME).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it.each(Object.values(ErrorCode))('ok/%s', (code) => {
    const { acme, log } = acmeErrorFromAppError(new AppError(code, 'certificate "c-1" is in the way'));
    const problem = acme.toProblem();
    expect(problem.type).toBe(`urn:ietf:params:acme:error:${expected[code].urn}`);
    expect(problem.status).toBe(expected[code].status);
    expect(acme.status).toBe(expected[code].status);
    if (expected[code].detail === 'own') expect(problem.detail).toBe('certificate "c-1" is in the way');
    else expect(problem.detail).not.toContain('c-1');
    expect(log).toBe(code === 'internal' || code === 'issuer_failure');
  });

  it('ok/an unavailable platform service asks the client to retry in 5 s', () => {
    for (const code of ['service_unavailable', 'timeout'] as const) {
      const { acme } = acmeErrorFromAppError(new AppError(code, 'inventory did not answer'));
      expect(acme.opts.retryAfterSeconds).toBe(5);
      expect(acme.message).toBe('a platform service is unavailable; retry shortly');
    }
    expect(acmeErrorFromAppError(new AppError('conflict', 'x')).acme.opts.retryAfterSeconds).toBeUndefined();
  });

  it('ok/field errors of a validation failure are named in the detail', () => {
    const { acme } = acmeErrorFromAppError(AppError.validation([{ field: 'sans', message: 'not allowed' }]));
    expect(acme.message).toBe('The request has invalid fields. (sans: not allowed)');
  });
});

describe('the ACME edge', () => {
  it('ok/an AcmeError passes unchanged', () => {
    const original = new AcmeError('badNonce', 'stale');
    expect(toAcmeError(original)).toEqual({ acme: original, log: false });
  });

  it('ok/a conflict or not_found from inventory is no longer serverInternal', () => {
    expect(toAcmeError(new AppError('conflict', 'busy')).acme.toProblem()).toEqual({
      type: 'urn:ietf:params:acme:error:conflict',
      detail: 'busy',
      status: 409,
    });
    expect(toAcmeError(AppError.notFound('certificate', 'c-1')).acme.status).toBe(404);
  });

  it('ok/a Fastify 4xx is malformed with its status; anything else is serverInternal and logged', () => {
    const tooLarge = Object.assign(new Error('body'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(toAcmeError(tooLarge).acme.toProblem()).toEqual({
      type: 'urn:ietf:params:acme:error:malformed',
      detail: 'the request body is too large',
      status: 413,
    });
    const crash = toAcmeError(new TypeError('boom'));
    expect(crash.acme.type).toBe('serverInternal');
    expect(crash.acme.message).not.toContain('boom');
    expect(crash.log).toBe(true);
  });
});
