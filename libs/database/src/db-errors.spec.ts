import { DbErrorCode, isRecordNotFound, isUniqueViolation, translateDbErrors } from './db-errors';
import { Prisma } from './generated/client';

const known = (code: string) => new Prisma.PrismaClientKnownRequestError('refused', { code, clientVersion: 'test' });

describe('database error translation', () => {
  it('recognises unique violations and missing records by their codes only', () => {
    expect(isUniqueViolation(known('P2002'))).toBe(true);
    expect(isUniqueViolation(known('P2025'))).toBe(false);
    expect(isRecordNotFound(known('P2025'))).toBe(true);
    expect(isUniqueViolation(new Error('P2002'))).toBe(false);
  });

  it('maps the codes it is given and lets every other error through unchanged', async () => {
    const map = { [DbErrorCode.UniqueViolation]: () => new Error('already exists') };
    await expect(translateDbErrors(() => Promise.reject(known('P2002')), map)).rejects.toThrow('already exists');
    const other = known('P2003');
    await expect(translateDbErrors(() => Promise.reject(other), map)).rejects.toBe(other);
    const plain = new Error('network');
    await expect(translateDbErrors(() => Promise.reject(plain), map)).rejects.toBe(plain);
    await expect(translateDbErrors(() => Promise.resolve(7), map)).resolves.toBe(7);
  });
});
