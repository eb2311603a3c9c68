import { Controller, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AppError, RevocationRpc, type RpcRequestParsed, type RpcResponse, crlEntriesSchema } from '@certctl/contracts';
import { ClaimCheck, RpcHandler } from '@certctl/messaging';
import { counter, getLogger } from '@certctl/observability';
import { signOcspResponder, translatePkiErrors } from '@certctl/pki';
import { createRedisClient } from '@certctl/platform';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { ConnectorRegistry } from '../connectors';
import { IssuerService } from './issuer.service';

const crlsSigned = counter('certctl_issuance_crls_signed_total', 'CRLs signed by issuer', ['issuer_id']);

/**
 * Signing for the revocation service. It sends what to sign (CRL contents, a responder's
 * public key); the CA key stays here. Both are built here from the request's fields, so
 * this is never a general-purpose signing oracle.
 */
@Controller()
export class RevocationSigningHandler implements OnApplicationShutdown {
  /** Larger CRLs (entries in, DER out) travel through Redis by claim check. */
  private readonly claims: ClaimCheck;

  constructor(
    private readonly issuers: IssuerService,
    private readonly connectors: ConnectorRegistry,
    @Inject(ISSUANCE_CONFIG) config: IssuanceConfig,
  ) {
    this.claims = new ClaimCheck(() => createRedisClient(config.REDIS_URL, 'staging'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.claims.close();
  }

  /** Entries inline, or staged in Redis by the revocation service when too large for one NATS message. */
  private async entries(req: RpcRequestParsed<typeof RevocationRpc.crlSign>) {
    if (req.entries) return req.entries;
    const ref = req.entries_ref;
    if (!ref) throw AppError.validation([{ field: 'entries', message: 'give entries or entries_ref' }]);
    const staged = await this.claims.redeem(ref);
    if (!staged.found && staged.reason === 'missing')
      throw new AppError('conflict', 'staged CRL entries are gone (expired); build again', { retryable: true });
    if (!staged.found) throw AppError.validation([{ field: 'entries_ref', message: 'staged CRL entries do not match their digest' }]);
    const parsed = crlEntriesSchema.safeParse(JSON.parse(staged.body.toString('utf8')));
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
    if (ClaimCheck.fitsInline(der)) return { der_base64: Buffer.from(der).toString('base64') };
    return { der_ref: await this.claims.stage(`certctl:crl-der:${req.issuer_id}:${req.crl_number}:${Date.now()}`, der) };
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
