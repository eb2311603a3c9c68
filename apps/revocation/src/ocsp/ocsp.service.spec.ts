import { RevocationRpc, type RpcContract } from '@certctl/contracts';
import type { RpcClient } from '@certctl/messaging';
import { type OcspStatus, ocspErrorResponse } from '@certctl/pki';
import type { RevocationConfig } from '../config';
import type { IssuerCache } from '../issuers/issuer-cache';
import type { RevocationRepository, RevocationStatusRow } from '../revocations/revocation.repository';
import type { OcspCache } from './ocsp-cache';
import type { OcspResponderService } from './ocsp-responder.service';
import { OcspService } from './ocsp.service';

function setup(o: { row?: RevocationStatusRow | null; inInventory?: boolean; cached?: OcspStatus; knownIssuer?: boolean } = {}) {
  const revocations = { findStatusBySerial: jest.fn(async () => o.row ?? null) };
  const rpc = {
    request: jest.fn(async (contract: RpcContract) => {
      expect(contract.subject).toBe(RevocationRpc.inventoryBySerial.subject);
      return { found: o.inInventory ?? false };
    }),
  } as unknown as RpcClient;
  const cache = {
    client: {},
    byRequestBytes: jest.fn(() => undefined),
    getStatus: jest.fn(async () => o.cached),
    setStatus: jest.fn(async () => undefined),
  };
  const issuers = { get: jest.fn(async () => (o.knownIssuer === false ? null : { id: 'iss-1', hashes: {} })) };
  const config = {
    CERTCTL_OCSP_RATE_SIGNED_PER_MINUTE: 0,
    CERTCTL_OCSP_VALIDITY_SECONDS: 3600,
    CERTCTL_OCSP_CACHE_SECONDS: 300,
  } as RevocationConfig;
  const service = new OcspService(
    revocations as unknown as RevocationRepository,
    rpc,
    issuers as unknown as IssuerCache,
    {} as OcspResponderService,
    cache as unknown as OcspCache,
    config,
  );
  return { service, revocations, rpc, cache };
}

describe('OcspService', () => {
  it('ok/a revoked serial is answered from one revocations read, with its reason code, and cached', async () => {
    const revokedAt = new Date('2026-06-01T00:00:00Z');
    const { service, revocations, rpc, cache } = setup({ row: { revokedAt, reason: 'keyCompromise' } });
    const status = await service.status('iss-1', 'aa01');
    expect(status).toEqual({ status: 'revoked', revokedAt, reasonCode: 1 });
    expect(revocations.findStatusBySerial).toHaveBeenCalledTimes(1);
    expect(revocations.findStatusBySerial).toHaveBeenCalledWith('iss-1', 'aa01');
    expect(rpc.request).not.toHaveBeenCalled();
    expect(cache.setStatus).toHaveBeenCalledWith('iss-1', 'aa01', status);
  });

  it('ok/a serial not revoked is good when inventory knows it, unknown otherwise', async () => {
    expect(await setup({ inInventory: true }).service.status('iss-1', 'aa01')).toEqual({ status: 'good' });
    expect(await setup({ inInventory: false }).service.status('iss-1', 'aa01')).toEqual({ status: 'unknown' });
  });

  it('ok/a cached status costs no database read', async () => {
    const { service, revocations } = setup({ cached: { status: 'good' } });
    expect(await service.status('iss-1', 'aa01')).toEqual({ status: 'good' });
    expect(revocations.findStatusBySerial).not.toHaveBeenCalled();
  });

  it('fail/an unknown issuer is unknown_issuer; bytes that are not an OCSP request get malformedRequest', async () => {
    expect(await setup({ knownIssuer: false }).service.respond('iss-x', Buffer.from([0x30, 0x00]))).toEqual({ kind: 'unknown_issuer' });
    expect(await setup().service.respond('iss-1', Buffer.from('not der'))).toEqual({
      kind: 'response',
      der: ocspErrorResponse('malformedRequest'),
      maxAge: 0,
    });
  });
});
