import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClaimCheck, type ClaimTicket } from '@certctl/messaging';
import { createRedisClient } from '@certctl/platform';
import { REVOCATION_CONFIG, type RevocationConfig } from '../config';

type Entry = [string, number, number];

/**
 * A CRL with tens of thousands of entries does not fit in one NATS message. Its entries
 * are then staged in Redis by claim check (key and SHA-256), and the sign request carries
 * only the reference; issuance reads them, checks the digest and signs.
 */
@Injectable()
export class CrlEntryStaging implements OnApplicationShutdown {
  private readonly claims: ClaimCheck;

  constructor(@Inject(REVOCATION_CONFIG) config: RevocationConfig) {
    this.claims = new ClaimCheck(() => createRedisClient(config.REDIS_URL, 'staging'));
  }

  async pack(
    issuerId: string,
    number: bigint,
    entries: Entry[],
  ): Promise<{ entries: Entry[] } | { entries_ref: ClaimTicket & { count: number } }> {
    const json = JSON.stringify(entries);
    if (ClaimCheck.fitsInline(json)) return { entries };
    const key = `certctl:crl-entries:${issuerId}:${number.toString()}:${Date.now()}`;
    const ticket = await this.claims.stage(key, Buffer.from(json, 'utf8'));
    return { entries_ref: { ...ticket, count: entries.length } };
  }

  /** The signed DER from issuance's reply, inline or staged (checked against its digest). */
  async unpack(reply: { der_base64?: string; der_ref?: ClaimTicket }): Promise<Buffer> {
    if (reply.der_base64) return Buffer.from(reply.der_base64, 'base64');
    if (!reply.der_ref) throw new Error('issuance returned no CRL');
    const staged = await this.claims.redeem(reply.der_ref, { remove: true });
    if (!staged.found) throw new Error('staged CRL is missing or corrupt');
    return staged.body;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.claims.close();
  }
}
