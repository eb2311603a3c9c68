import { createHash } from 'node:crypto';
import { Controller, Inject, type OnApplicationShutdown } from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';
import { Payload } from '@nestjs/microservices';
import { AppError, RevocationRpc, type RpcRequestParsed, type RpcResponse, crlEntriesSchema } from '@certctl/contracts';
import { RpcHandler } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { signOcspResponder, translatePkiErrors } from '@certctl/pki';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { ConnectorRegistry } from '../connectors';
import { IssuerService } from './issuer.service';

/** Larger CRLs travel through Redis: NATS refuses messages over its max_payload (1 MiB by default). */
const INLINE_MAX_BYTES = 512 * 1024;
const crlsSigned = counter('certctl_issuance_crls_signed_total', 'CRLs signed by issuer', ['issuer_id']);

/**
 * Signing for the revocation service. It sends what to sign (CRL contents, a responder's
 * public key); the CA key stays here. Both are built here from the request's fields, so
 * this is never a general-purpose signing oracle.
 */
@Controller()
export class RevocationSigningHandler implements OnApplicationShutdown {
  private redis?: Redis;

  constructor(
    private readonly issuers: IssuerService,
    private readonly connectors: ConnectorRegistry,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {}

  private client(): Redis {
    this.redis ??= new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: 2 });
    return this.redis;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  /** Entries inline, or staged in Redis by the revocation service when too large for one NATS message. */
  private async entries(req: RpcRequestParsed<typeof RevocationRpc.crlSign>) {
    if (req.entries) return req.entries;
    const ref = req.entries_ref;
    if (!ref) throw AppError.validation([{ field: 'entries', message: 'give entries or entries_ref' }]);
    const raw = await this.client().getBuffer(ref.redis_key);
    if (!raw) throw new AppError('conflict', 'staged CRL entries are gone (expired); build again', { retryable: true });
    if (createHash('sha256').update(raw).digest('hex') !== ref.sha256) {
      throw AppError.validation([{ field: 'entries_ref', message: 'staged CRL entries do not match their digest' }]);
    }
    const parsed = crlEntriesSchema.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success || parsed.data.length !== ref.count) {
      throw AppError.validation([{ field: 'entries_ref', message: 'staged CRL entries are malformed' }]);
    }
    return parsed.data;
  }

  @RpcHandler(RevocationRpc.crlSign)
  async signCrl(@Payload() req: RpcRequestParsed<typeof RevocationRpc.crlSign>): Promise<RpcResponse<typeof RevocationRpc.crlSign>> {
    const { connector, issuer } = await this.connectors.resolve(req.issuer_id);
    if (!connector.signCrl)
      throw new AppError('conflict', `issuer ${req.issuer_id} (${connector.type}) does not sign CRLs`, { retryable: false });
    const signCrl = connector.signCrl.bind(connector);
    const entries = await this.entries(req);
    const der = await pki(() =>
      signCrl(issuer, {
        crlNumber: BigInt(req.crl_number),
        thisUpdate: new Date(req.this_update),
        nextUpdate: new Date(req.next_update),
        entries: entries.map(([serialNumber, seconds, reasonCode]) => ({
          serialNumber,
          revocationDate: new Date(seconds * 1000),
          reasonCode,
        })),
      }),
    );
    crlsSigned.inc({ issuer_id: req.issuer_id });
    getLogger().info({ issuer_id: req.issuer_id, crl_number: req.crl_number, entries: entries.length }, 'CRL signed');
    if (der.length <= INLINE_MAX_BYTES) return { der_base64: Buffer.from(der).toString('base64') };
    const key = `certctl:crl-der:${req.issuer_id}:${req.crl_number}:${Date.now()}`;
    await this.client().set(key, Buffer.from(der), 'EX', 300);
    return { der_ref: { redis_key: key, sha256: createHash('sha256').update(der).digest('hex') } };
  }

  @RpcHandler(RevocationRpc.ocspResponderIssue)
  async issueResponder(
    @Payload() req: RpcRequestParsed<typeof RevocationRpc.ocspResponderIssue>,
  ): Promise<RpcResponse<typeof RevocationRpc.ocspResponderIssue>> {
    const ca = await this.issuers.ca(req.issuer_id);
    const cert = await pki(() =>
      signOcspResponder({
        issuer: ca,
        subjectPublicKeySpki: Buffer.from(req.public_key_spki_base64, 'base64'),
        commonName: `OCSP responder (${req.issuer_id})`.slice(0, 64),
        validityDays: req.validity_days,
      }),
    );
    getLogger().info(
      { issuer_id: req.issuer_id, serial: cert.serialNumber, not_after: cert.notAfter },
      'OCSP responder certificate issued',
    );
    return { certificate_pem: cert.certificatePem, ca_certificate_pem: ca.certificatePem, not_after: cert.notAfter.toISOString() };
  }
}

/** A signing refusal names the request; the detail says what could not be signed. */
export function pki<T>(fn: () => Promise<T>): Promise<T> {
  return translatePkiErrors(fn, { field: 'request', detailPrefix: 'cannot sign' });
}
