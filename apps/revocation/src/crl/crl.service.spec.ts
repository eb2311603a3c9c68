import { RevocationRpc, type RpcContract } from '@certctl/contracts';
import type { Prisma } from '@certctl/database';
import type { RpcClient } from '@certctl/messaging';
import { TestClock } from '@certctl/platform';
import type { RevocationConfig } from '../config';
import type { IssuerCache } from '../issuers/issuer-cache';
import type { CrlEntryRow, RevocationRepository } from '../revocations/revocation.repository';
import type { CrlEntryStaging } from './crl-entry-staging';
import type { CrlRepository, CrlRow, NewCrl } from './crl.repository';
import { CrlService } from './crl.service';

const TX = { tx: 'the build transaction' } as unknown as Prisma.TransactionClient;

/** The crls table in memory; every write must happen in the build's transaction. */
class MemoryCrls {
  readonly rows: CrlRow[] = [];
  locked = 0;
  async withIssuerLock<T>(_issuerId: string, build: (tx: Prisma.TransactionClient) => Promise<T>) {
    this.locked++;
    return build(TX);
  }
  async latestNumber(issuerId: string) {
    const numbers = this.rows.filter((row) => row.issuerId === issuerId).map((row) => row.number);
    return numbers.length ? numbers.reduce((max, n) => (n > max ? n : max)) : null;
  }
  async findByNumber(issuerId: string, number: bigint) {
    return this.rows.find((row) => row.issuerId === issuerId && row.number === number) ?? null;
  }
  async insert(data: NewCrl, tx: Prisma.TransactionClient) {
    expect(tx).toBe(TX);
    const row = { ...data, createdAt: new Date() };
    this.rows.push(row);
    return row;
  }
  async deleteUpTo(issuerId: string, number: bigint, tx: Prisma.TransactionClient) {
    expect(tx).toBe(TX);
    for (let index = this.rows.length - 1; index >= 0; index--) {
      if (this.rows[index]!.issuerId === issuerId && this.rows[index]!.number <= number) this.rows.splice(index, 1);
    }
  }
  async latestTimesPerIssuer() {
    return [...new Set(this.rows.map((row) => row.issuerId))].map((issuerId) => {
      const rows = this.rows.filter((row) => row.issuerId === issuerId);
      return { issuerId, thisUpdate: new Date(Math.max(...rows.map((row) => row.thisUpdate.getTime()))), nextUpdate: null };
    });
  }
}

function setup(entries: CrlEntryRow[] = []) {
  const crls = new MemoryCrls();
  const revocations = { listCrlEntries: jest.fn(async () => entries) };
  const signed: Record<string, unknown>[] = [];
  const rpc = {
    request: jest.fn(async (contract: RpcContract, body: Record<string, unknown>) => {
      expect(contract.subject).toBe(RevocationRpc.crlSign.subject);
      signed.push(body);
      return { der_base64: Buffer.from(`crl-${String(body.crl_number)}`).toString('base64') };
    }),
  } as unknown as RpcClient;
  const staging = {
    pack: jest.fn(async (_issuerId: string, _number: bigint, packed: unknown[]) => ({ entries: packed })),
    unpack: jest.fn(async (reply: { der_base64: string }) => Buffer.from(reply.der_base64, 'base64')),
  };
  const issuers = { require: jest.fn(async (id: string) => ({ id })) };
  const config = {
    CERTCTL_CRL_VALIDITY_SECONDS: 86_400,
    CERTCTL_CRL_REFRESH_SECONDS: 3_600,
    CERTCTL_CRL_DEBOUNCE_MS: 10,
  } as RevocationConfig;
  const clock = new TestClock();
  const service = new CrlService(
    crls as unknown as CrlRepository,
    revocations as unknown as RevocationRepository,
    rpc,
    issuers as unknown as IssuerCache,
    staging as unknown as CrlEntryStaging,
    config,
    clock,
  );
  return { service, crls, revocations, signed, clock };
}

describe('CrlService', () => {
  it('ok/a build numbers the CRL after the last, signs the unexpired entries with their reason codes, and stores it', async () => {
    const revokedAt = new Date('2026-06-01T12:00:00.500Z');
    const { service, crls, revocations, signed } = setup([
      { serialNumber: 'aa01', revokedAt, reason: 'keyCompromise' },
      { serialNumber: 'aa02', revokedAt, reason: 'unspecified' },
    ]);
    const first = await service.rebuild('iss-1', 'on_demand');
    const second = await service.rebuild('iss-1', 'on_demand');
    expect([first.number, second.number]).toEqual([1n, 2n]);
    expect(second.der.toString()).toBe('crl-2');
    expect(second.nextUpdate.getTime() - second.thisUpdate.getTime()).toBe(86_400_000);
    expect(signed[1]).toMatchObject({
      issuer_id: 'iss-1',
      crl_number: '2',
      entries: [
        ['aa01', Math.floor(revokedAt.getTime() / 1000), 1],
        ['aa02', Math.floor(revokedAt.getTime() / 1000), 0],
      ],
    });
    expect(revocations.listCrlEntries).toHaveBeenCalledWith('iss-1', second.thisUpdate, TX);
    expect(crls.locked).toBe(2);
    expect(crls.rows.find((row) => row.number === 2n)).toMatchObject({ entries: 2, etag: second.etag });
  });

  it('ok/only the last three CRLs of an issuer are kept', async () => {
    const { service, crls } = setup();
    for (let build = 0; build < 5; build++) await service.rebuild('iss-1', 'schedule');
    expect(crls.rows.map((row) => row.number)).toEqual([3n, 4n, 5n]);
  });

  it('ok/get serves the stored current CRL, builds one when there is none, and follows a newer one built elsewhere', async () => {
    const { service, crls, signed, clock } = setup();
    const built = await service.get('iss-1');
    expect(built.number).toBe(1n);
    expect(signed).toHaveLength(1);
    crls.rows.push({ ...crls.rows[0]!, number: 7n, etag: 'from-another-replica' });
    clock.advance(999); // within the in-memory freshness window: the copy in memory is served
    expect(await service.get('iss-1')).toMatchObject({ number: 1n });
    clock.advance(2); // past it: the database is checked
    expect(await service.get('iss-1')).toMatchObject({ number: 7n, etag: 'from-another-replica' });
    expect(signed).toHaveLength(1);
  });

  it('ok/refreshStale rebuilds only the issuers whose latest CRL is older than the refresh interval', async () => {
    const { service, crls } = setup();
    await service.rebuild('iss-old', 'on_demand');
    await service.rebuild('iss-new', 'on_demand');
    crls.rows.find((row) => row.issuerId === 'iss-old')!.thisUpdate = new Date(Date.now() - 2 * 3_600_000);
    expect(await service.refreshStale()).toEqual(['iss-old']);
  });

  it('ok/refreshStale measures the age of a CRL on the service clock', async () => {
    const { service, clock } = setup();
    await service.rebuild('iss-1', 'on_demand');
    clock.advance(3_600_000 - 1000); // younger than the refresh interval
    expect(await service.refreshStale()).toEqual([]);
    clock.advance(2000);
    expect(await service.refreshStale()).toEqual(['iss-1']);
  });
});
