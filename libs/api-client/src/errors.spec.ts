import { ExitCode, exitCodeFor, problemError, problemLine } from './errors';

describe('problem documents → one line and an exit status', () => {
  it.each([
    [401, 'urn:certctl:error:unauthorized', ExitCode.auth],
    [403, 'urn:certctl:error:forbidden', ExitCode.auth],
    [404, 'urn:certctl:error:not_found', ExitCode.notFound],
    [409, 'urn:certctl:error:conflict', ExitCode.conflict],
    [409, 'urn:certctl:error:illegal_transition', ExitCode.conflict],
    [422, 'urn:certctl:error:validation_failed', ExitCode.usage],
    [400, 'urn:certctl:error:bad_request', ExitCode.usage],
    [500, 'urn:certctl:error:internal', ExitCode.server],
    [502, 'urn:certctl:error:issuer_failure', ExitCode.server],
    [503, 'urn:certctl:error:service_unavailable', ExitCode.server],
    [504, undefined, ExitCode.server],
    [429, 'urn:certctl:error:rate_limited', ExitCode.server],
    [418, undefined, ExitCode.failure],
  ])('HTTP %d %s → exit %d', (status, type, code) => {
    expect(exitCodeFor(status, type)).toBe(code);
  });

  it('the problem type wins over a proxy that rewrote the status', () => {
    expect(exitCodeFor(500, 'urn:certctl:error:not_found')).toBe(ExitCode.notFound);
  });

  it('title: detail, with the fields that were wrong, on one line', () => {
    expect(problemLine(404, { title: 'Not found', detail: 'certificate crt-9 does not exist' })).toBe(
      'Not found: certificate crt-9 does not exist',
    );
    expect(
      problemLine(422, {
        title: 'Validation failed',
        detail: 'the body is invalid',
        errors: [
          { field: 'common_name', message: 'is required' },
          { field: 'sans.0', message: 'is not a DNS name' },
        ],
      }),
    ).toBe('Validation failed: the body is invalid (common_name is required; sans.0 is not a DNS name)');
    expect(problemLine(502, 'Bad gateway\nfrom nginx')).toBe('HTTP 502: Bad gateway from nginx');
  });

  it('problemError keeps the status and the document', () => {
    const err = problemError(409, { type: 'urn:certctl:error:conflict', title: 'Conflict', detail: 'name taken' });
    expect({ message: err.message, exitCode: err.exitCode, status: err.status }).toEqual({
      message: 'Conflict: name taken',
      exitCode: ExitCode.conflict,
      status: 409,
    });
  });
});
