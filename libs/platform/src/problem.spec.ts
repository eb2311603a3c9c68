import { AppError } from '@certctl/contracts';
import { toProblem } from './problem';

const req = { url: '/api/v1/certificates?limit=5', id: 'req-1' };

describe('errors become RFC 9457 problems', () => {
  it('ok/a database that went away is a 503 the client may retry, not a 500', () => {
    const cut = Object.assign(
      new Error('Raw query failed. Code: `57P01`. Message: `terminating connection due to administrator command`'),
      {
        code: 'P2010',
        meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P01' } } },
      },
    );
    const problem = toProblem(cut, req);
    expect(problem).toMatchObject({ status: 503, code: 'service_unavailable', instance: '/api/v1/certificates', request_id: 'req-1' });
    expect(problem.detail).not.toMatch(/57P01|administrator/);
  });

  it('ok/an AppError keeps its own status and detail', () => {
    expect(toProblem(AppError.notFound('certificate', 'c-1'), req)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('fail/an unexpected error is a 500 that shows nothing of its cause', () => {
    const problem = toProblem(new TypeError('secret internals'), req);
    expect(problem).toMatchObject({ status: 500, code: 'internal' });
    expect(problem.detail).not.toContain('secret');
  });
});
