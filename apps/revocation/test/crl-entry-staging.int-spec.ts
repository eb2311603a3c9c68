import { randomBytes } from 'node:crypto';
import { ClaimCheck, INLINE_MAX_BYTES } from '@certctl/messaging';
import { createRedisClient } from '@certctl/platform';
import type { RevocationConfig } from '../src/config';
import { CrlEntryStaging } from '../src/crl/crl-entry-staging';

/** Revocation's side of the CRL claim check on real Redis; issuance's side reads the same tickets (see apps/issuance/test). */
describe('CrlEntryStaging on real Redis', () => {
  const redisUrl = `${process.env.REDIS_URL!.replace(/\/\d*$/, '')}/7`;
  const staging = new CrlEntryStaging({ REDIS_URL: redisUrl } as RevocationConfig);
  const issuance = new ClaimCheck(() => createRedisClient(redisUrl, 'staging'));
  afterAll(async () => {
    await staging.onApplicationShutdown();
    await issuance.close();
  });

  const entries = (n: number): [string, number, number][] =>
    Array.from({ length: n }, (_, i) => [i.toString(16).padStart(32, '0'), 1_700_000_000 + i, i % 10]);

  it('ok/a small CRL travels inline', async () => {
    await expect(staging.pack('iss-int', 1n, entries(3))).resolves.toEqual({ entries: entries(3) });
  });

  it('ok/a CRL too large for NATS is staged; the reader gets exactly the entries back', async () => {
    const many = entries(20000);
    expect(JSON.stringify(many).length).toBeGreaterThan(INLINE_MAX_BYTES);
    const packed = await staging.pack('iss-int', 2n, many);
    if (!('entries_ref' in packed)) throw new Error('expected a claim ticket');
    expect(packed.entries_ref).toMatchObject({ redis_key: expect.stringMatching(/^certctl:crl-entries:iss-int:2:\d+$/), count: 20000 });
    const read = await issuance.redeem(packed.entries_ref);
    if (!read.found) throw new Error(`staged entries ${read.reason}`);
    expect(JSON.parse(read.body.toString('utf8'))).toEqual(many);
  });

  it('ok/a staged signed CRL is read once, checked against its digest, then deleted', async () => {
    const der = randomBytes(INLINE_MAX_BYTES + 1);
    const ticket = await issuance.stage(`certctl:crl-der:iss-int:3:${Date.now()}`, der);
    await expect(staging.unpack({ der_ref: ticket })).resolves.toEqual(der);
    await expect(staging.unpack({ der_ref: ticket })).rejects.toThrow('staged CRL is missing or corrupt');
  });

  it('fail/a signed CRL whose bytes do not match the digest is refused', async () => {
    const ticket = await issuance.stage(`certctl:crl-der:iss-int:4:${Date.now()}`, Buffer.from('der'));
    await expect(staging.unpack({ der_ref: { ...ticket, sha256: '00'.repeat(32) } })).rejects.toThrow('staged CRL is missing or corrupt');
    await expect(staging.unpack({ der_base64: Buffer.from('inline').toString('base64') })).resolves.toEqual(Buffer.from('inline'));
    await expect(staging.unpack({})).rejects.toThrow('issuance returned no CRL');
  });
});
