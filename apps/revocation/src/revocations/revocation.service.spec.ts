import { AppError, IssuerRpc, Rpc, RevocationEvents, RevocationRpc, type RpcContract } from '@certctl/contracts';
import type { Outbox, RpcClient } from '@certctl/messaging';
import type { CrlService } from '../crl/crl.service';
import type { IssuerCache } from '../issuers/issuer-cache';
import type { OcspCache } from '../ocsp/ocsp-cache';
import type { RevocationConfigService } from './revocation-config.service';
import type { InTransaction, NewRevocation, RevocationRepository, RevocationRow } from './revocation.repository';
import { RevocationService } from './revocation.service';

const tx = { transaction: 'of the revocation write' } as never;
const actor = { principal: 'alice', role: 'admin' };
const version = { issuer_id: 'iss-1', serial_number: 'aa01', not_before: '2026-01-01T00:00:00Z', not_after: '2027-01-01T00:00:00Z' };

/** The revocations table in memory, unique by (issuer, serial) like the real one. */
class MemoryRevocations {
  readonly rows = new Map<string, RevocationRow>();
  /** A concurrent request's row, written between our lookup and our insert. */
  raceWith?: RevocationRow;
  async findBySerial(issuerId: string, serial: string) {
    return this.rows.get(`${issuerId}/${serial}`) ?? null;
  }
  async insertOnce(data: NewRevocation, alongside?: InTransaction) {
    const key = `${data.issuerId}/${data.serialNumber}`;
    if (this.raceWith) this.rows.set(key, this.raceWith);
    const existing = this.rows.get(key);
    if (existing) return { row: existing, created: false };
    const row = { ...data, createdAt: new Date() };
    await alongside?.(tx, row);
    this.rows.set(key, row);
    return { row, created: true };
  }
  async deleteById(id: string, alongside?: InTransaction) {
    for (const [key, row] of this.rows) {
      if (row.id !== id) continue;
      await alongside?.(tx, row);
      this.rows.delete(key);
    }
  }
}

function setup(o: { localCa?: boolean; caRefuses?: boolean; earlier?: { found: boolean; certificate_id?: string } } = {}) {
  const calls: { subject: string; body: unknown }[] = [];
  const emitted: { subject: string; body: Record<string, unknown> }[] = [];
  const rpc = {
    request: jest.fn(async (contract: RpcContract, body: unknown) => {
      calls.push({ subject: contract.subject, body });
      if (contract.subject === Rpc.inventory.certificateGet.subject) return { id: 'crt-1', current_version: version };
      if (contract.subject === RevocationRpc.inventoryBySerial.subject) {
        return { ...(o.earlier ?? { found: false }), not_before: version.not_before, not_after: version.not_after };
      }
      if (contract.subject === IssuerRpc.revoke.subject && o.caRefuses) throw new AppError('conflict', 'the CA refused');
      return {};
    }),
  } as unknown as RpcClient;
  /** The outbox: an event is written only in the transaction of the revocation write, and the relay is woken after. */
  const outbox = {
    enqueue: jest.fn(async (inTx: unknown, event: { subject: string }, body: Record<string, unknown>) => {
      expect(inTx).toBe(tx);
      emitted.push({ subject: event.subject, body });
      return 'evt';
    }),
    wake: jest.fn(),
  };
  const revocations = new MemoryRevocations();
  const crl = { schedule: jest.fn() };
  const cache = { invalidate: jest.fn(async () => undefined) };
  const issuers = { get: jest.fn(async () => (o.localCa === false ? null : { id: 'iss-1' })) };
  const settings = { shortLivedMs: 3_600_000 } as RevocationConfigService;
  const service = new RevocationService(
    revocations as unknown as RevocationRepository,
    rpc,
    crl as unknown as CrlService,
    cache as unknown as OcspCache,
    settings,
    issuers as unknown as IssuerCache,
    outbox as unknown as Outbox,
  );
  const subjects = () => calls.map((c) => c.subject);
  return { service, revocations, crl, cache, emitted, subjects, outbox };
}

describe('RevocationService', () => {
  it('ok/revoking records one row with its certificateRevoked event in the outbox (same transaction), marks inventory, forgets the OCSP status and schedules the CRL', async () => {
    const { service, revocations, crl, cache, emitted, subjects } = setup();
    const dto = await service.revoke(actor, 'crt-1', 'keyCompromise');
    expect(dto).toMatchObject({
      certificate_id: 'crt-1',
      serial_number: 'aa01',
      issuer_id: 'iss-1',
      reason: 'keyCompromise',
      created: true,
    });
    expect(revocations.rows.get('iss-1/aa01')).toMatchObject({ certificateId: 'crt-1', actor: 'alice', shortLived: false });
    expect(subjects()).toContain(RevocationRpc.inventoryRevoke.subject);
    expect(subjects()).not.toContain(IssuerRpc.revoke.subject);
    expect(cache.invalidate).toHaveBeenCalledWith('iss-1', 'aa01');
    expect(crl.schedule).toHaveBeenCalledWith('iss-1');
    expect(emitted.map((e) => e.subject)).toEqual([RevocationEvents.certificateRevoked.subject]);
  });

  it('ok/a second request, or one that lost the unique key to a concurrent one, answers with the stored row (created: false) and writes no second event', async () => {
    const { service, revocations, emitted, outbox } = setup();
    const first = await service.revoke(actor, 'crt-1', 'keyCompromise');
    const again = await service.revoke({ principal: 'bob', role: 'admin' }, 'crt-1', 'superseded');
    expect(again).toMatchObject({ created: false, reason: 'keyCompromise', actor: 'alice', revoked_at: first.revoked_at });
    expect(emitted).toHaveLength(1);
    expect(outbox.wake).toHaveBeenCalledTimes(1);

    const raced = setup();
    raced.revocations.raceWith = { ...revocations.rows.get('iss-1/aa01')!, actor: 'carol' };
    expect(await raced.service.revoke(actor, 'crt-1', 'keyCompromise')).toMatchObject({ created: false, actor: 'carol' });
  });

  it('ok/a connector issuer is told first and no CRL is scheduled; its refusal records nothing', async () => {
    const connector = setup({ localCa: false });
    await connector.service.revoke(actor, 'crt-1', 'keyCompromise');
    expect(connector.subjects()).toContain(IssuerRpc.revoke.subject);
    expect(connector.crl.schedule).not.toHaveBeenCalled();

    const refused = setup({ localCa: false, caRefuses: true });
    await expect(refused.service.revoke(actor, 'crt-1', 'keyCompromise')).rejects.toMatchObject({ code: 'conflict' });
    expect(refused.revocations.rows.size).toBe(0);
    expect(refused.emitted).toHaveLength(0);
  });

  it("fail/an earlier serial that is not this certificate's is not_found; one that is leaves the certificate's status alone", async () => {
    const stranger = setup({ earlier: { found: true, certificate_id: 'crt-other' } });
    await expect(stranger.service.revoke(actor, 'crt-1', 'superseded', 'bb02')).rejects.toMatchObject({ code: 'not_found' });

    const earlier = setup({ earlier: { found: true, certificate_id: 'crt-1' } });
    expect(await earlier.service.revoke(actor, 'crt-1', 'superseded', 'bb02')).toMatchObject({ serial_number: 'bb02', created: true });
    expect(earlier.subjects()).not.toContain(RevocationRpc.inventoryRevoke.subject);
  });

  it('fail/removeFromCRL lifts only a certificateHold (conflict otherwise); lifting deletes the row and emits certificateUnrevoked', async () => {
    const { service, revocations, emitted } = setup();
    await expect(service.revoke(actor, 'crt-1', 'removeFromCRL')).rejects.toMatchObject({ code: 'conflict' });
    await service.revoke(actor, 'crt-1', 'keyCompromise');
    await expect(service.revoke(actor, 'crt-1', 'removeFromCRL')).rejects.toMatchObject({ code: 'conflict' });

    const held = setup();
    await held.service.revoke(actor, 'crt-1', 'certificateHold');
    expect(await held.service.revoke(actor, 'crt-1', 'removeFromCRL')).toMatchObject({ reason: 'removeFromCRL' });
    expect(held.revocations.rows.size).toBe(0);
    expect(held.emitted.map((e) => e.subject)).toEqual([
      RevocationEvents.certificateRevoked.subject,
      RevocationEvents.certificateUnrevoked.subject,
    ]);
    expect(revocations.rows.size).toBe(1);
    expect(emitted).toHaveLength(1);
  });
});
