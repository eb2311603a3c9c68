import { Prisma, type PrismaService } from '@certctl/database';
import { IssuedCertificateRepository } from './issued-certificate.repository';

const row = { jobId: 'job-1', issuerId: 'iss-1', serialNumber: 'AB', certificatePem: 'PEM', chainPem: '' };
const uniqueViolation = () =>
  new Prisma.PrismaClientKnownRequestError('Unique constraint failed', { code: 'P2002', clientVersion: 'test' });

function repositoryOver(create: jest.Mock, findUnique: jest.Mock) {
  return new IssuedCertificateRepository({ issuedCertificate: { create, findUnique } } as unknown as PrismaService);
}

describe('IssuedCertificateRepository.insertOnce (one certificate per job)', () => {
  it('ok/the first delivery records its certificate', async () => {
    const repository = repositoryOver(
      jest.fn(async () => ({ ...row, serialNumber: 'AB' })),
      jest.fn(),
    );
    expect(await repository.insertOnce(row)).toEqual({ row: { ...row, serialNumber: 'AB' }, inserted: true });
  });

  it('ok/a later delivery of the same job gets the certificate recorded first', async () => {
    const first = { ...row, serialNumber: 'FIRST' };
    const findUnique = jest.fn(async () => first);
    const repository = repositoryOver(
      jest.fn(async () => {
        throw uniqueViolation();
      }),
      findUnique,
    );
    expect(await repository.insertOnce(row)).toEqual({ row: first, inserted: false });
    expect(findUnique).toHaveBeenCalledWith({ where: { jobId: 'job-1' } });
  });

  it('fail/any other database error, or a conflict with no row to show for it, propagates', async () => {
    const down = new Error('database down');
    await expect(
      repositoryOver(
        jest.fn(async () => {
          throw down;
        }),
        jest.fn(),
      ).insertOnce(row),
    ).rejects.toBe(down);
    const conflict = uniqueViolation();
    await expect(
      repositoryOver(
        jest.fn(async () => {
          throw conflict;
        }),
        jest.fn(async () => null),
      ).insertOnce(row),
    ).rejects.toBe(conflict);
  });
});
