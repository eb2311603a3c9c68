import { AppError, isDatabaseUnavailable, outageError } from './errors';

/** The shapes Prisma 7 (driver adapter on node-postgres) gives a database that went away, as seen against a real PostgreSQL. */
const prismaError = (code: string, cause?: Record<string, unknown>) =>
  Object.assign(new Error('query failed'), { code, meta: cause ? { driverAdapterError: { name: 'DriverAdapterError', cause } } : {} });

describe('a database outage is told apart from a failed request', () => {
  it.each([
    ['server not listening (model query)', prismaError('P1001', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 })],
    ['server not listening (raw query)', prismaError('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 })],
    ['backend terminated (57P01)', prismaError('P2010', { kind: 'postgres', originalCode: '57P01', code: '57P01' })],
    ['server starting up (57P03)', prismaError('P2010', { kind: 'postgres', originalCode: '57P03', code: '57P03' })],
    ['connection exception class 08', prismaError('P2010', { kind: 'postgres', originalCode: '08006', code: '08006' })],
    ['connection reset', prismaError('P2010', { kind: 'ConnectionClosed' })],
    ['too many connections', prismaError('P2010', { kind: 'TooManyConnections', cause: 'sorry' })],
    ['pool wait timed out', prismaError('P2024')],
    ['node-postgres cut', new Error('Connection terminated unexpectedly')],
    ['node-postgres pool', new Error('timeout exceeded when trying to connect')],
    ['node-postgres query timeout (a stalled server or network)', new Error('Query read timeout')],
    ['a connection closed after its query timed out', new Error('Client was closed and is not queryable')],
    [
      'no pool connection for a transaction within its maxWait (P2028)',
      Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028', meta: {} }),
    ],
  ])('ok/%s is an outage: service_unavailable, retryable', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
    const mapped = outageError(err)!;
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({ code: 'service_unavailable', retryable: true, status: 503 });
    expect(mapped.message).not.toMatch(/127\.0\.0\.1|57P0/); // no addresses or driver text to callers
  });

  it.each([
    ['a unique violation', prismaError('P2002', { kind: 'UniqueConstraintViolation' })],
    ['a serialization failure', prismaError('P2034', { kind: 'TransactionWriteConflict' })],
    ['a syntax error', prismaError('P2010', { kind: 'postgres', originalCode: '42601', code: '42601' })],
    [
      'a transaction that outlived its own timeout (P2028)',
      Object.assign(new Error('Transaction API error: Transaction already closed: A query cannot be executed on an expired transaction.'), {
        code: 'P2028',
      }),
    ],
    ['an AppError the service chose', new AppError('conflict', 'Connection terminated by the user')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'Connection terminated'],
    ['nothing', undefined],
  ])('fail/%s is not an outage', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
    expect(outageError(err)).toBeUndefined();
  });
});
