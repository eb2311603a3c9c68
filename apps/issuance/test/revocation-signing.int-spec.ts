import { randomBytes } from 'node:crypto';
import { AppError } from '@certctl/contracts';
import { ClaimCheck, INLINE_MAX_BYTES } from '@certctl/messaging';
import { createRedisClient } from '@certctl/platform';
import type { IssuanceConfig } from '../src/config';
import type { ConnectorRegistry } from '../src/connectors';
import type { IssuerService } from '../src/issuers/issuer.service';
import { RevocationSigningHandler } from '../src/issuers/revocation-signing.handler';

/** Issuance's side of the CRL claim check on real Redis: staged entries in, staged DER out. */
describe('RevocationSigningHandler.signCrl on real Redis', () => {
  const redisUrl = `${process.env.REDIS_URL!.replace(/\/\d*$/, '')}/7`;
  const revocation = new ClaimCheck(() => createRedisClient(redisUrl, 'staging'));
  let derSize = 100;
  const signed: { entries: number }[] = [];
  const connectors = {
    resolve: async () => ({
      issuer: { id: 'iss-int' },
      connector: {
        type: 'local',
        signCrl: async (_issuer: unknown, request: { entries: unknown[] }) => {
          signed.push({ entries: request.entries.length });
          return new Uint8Array(randomBytes(derSize));
        },
      },
    }),
  } as unknown as ConnectorRegistry;
  const handler = new RevocationSigningHandler({} as IssuerService, connectors, { REDIS_URL: redisUrl } as IssuanceConfig);
  afterAll(async () => {
    await handler.onApplicationShutdown();
    await revocation.close();
  });

  const request = (crlNumber: number) => ({
    issuer_id: 'iss-int',
    crl_number: String(crlNumber),
    this_update: new Date().toISOString(),
    next_update: new Date(Date.now() + 86400000).toISOString(),
  });
  const entries = (n: number): [string, number, number][] => Array.from({ length: n }, (_, i) => [i.toString(16), 1_700_000_000, 0]);

  it('ok/staged entries are read and signed; a small CRL comes back inline', async () => {
    derSize = 100;
    const list = entries(20000);
    const ticket = await revocation.stage(`certctl:crl-entries:iss-int:1:${Date.now()}`, Buffer.from(JSON.stringify(list)));
    const reply = await handler.signCrl({ ...request(1), entries_ref: { ...ticket, count: list.length } });
    expect(signed.at(-1)).toEqual({ entries: 20000 });
    expect(Buffer.from(reply.der_base64!, 'base64')).toHaveLength(100);
    expect(reply.der_ref).toBeUndefined();
  });

  it('ok/a signed CRL too large for NATS is staged for revocation to read', async () => {
    derSize = INLINE_MAX_BYTES + 1;
    const reply = await handler.signCrl({ ...request(2), entries: entries(2) });
    expect(reply.der_base64).toBeUndefined();
    expect(reply.der_ref?.redis_key).toMatch(/^certctl:crl-der:iss-int:2:\d+$/);
    const read = await revocation.redeem(reply.der_ref!, { remove: true });
    expect(read.found && read.body.length).toBe(INLINE_MAX_BYTES + 1);
  });

  it('fail/expired entries are a retryable conflict; entries that do not match their digest or count are refused', async () => {
    const gone = handler.signCrl({ ...request(3), entries_ref: { redis_key: 'certctl:crl-entries:iss-int:gone', sha256: 'ab', count: 1 } });
    await expect(gone).rejects.toMatchObject({ code: 'conflict', retryable: true });
    const ticket = await revocation.stage(`certctl:crl-entries:iss-int:4:${Date.now()}`, Buffer.from(JSON.stringify(entries(2))));
    const tampered = handler.signCrl({ ...request(4), entries_ref: { ...ticket, sha256: '00'.repeat(32), count: 2 } });
    await expect(tampered).rejects.toBeInstanceOf(AppError);
    await expect(tampered).rejects.toMatchObject({ code: 'validation_failed' });
    const miscounted = handler.signCrl({ ...request(4), entries_ref: { ...ticket, count: 3 } });
    await expect(miscounted).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
