import { X509Certificate } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@certctl/contracts';
import { type CrlRequest, PkiError, buildCrl, generateKeyPair, signLeaf, translatePkiErrors } from '@certctl/pki';
import { z } from 'zod';
import { ISSUANCE_CONFIG, type IssuanceConfig } from '../config';
import { IssuerService } from '../issuers/issuer.service';
import { type Connector, type HealthResult, type IssueRequest, type IssuedLeaf, type IssuerContext } from './connector';

/** What a local issuer's row describes (its key lives encrypted in ca_keys, not in the config). */
export const localConfigSchema = z.looseObject({
  key_algorithm: z.string().optional(),
  validity_days: z.number().int().positive().optional(),
  path_length: z.number().int().min(0).nullable().optional(),
  common_name: z.string().optional(),
  organization: z.string().optional(),
});
export type LocalConfig = z.output<typeof localConfigSchema>;

/**
 * The built-in CA: roots and intermediates made by this service (issuer-hierarchy.service.ts),
 * their keys decrypted only here. Capabilities: CA chain and CRL signing.
 */
@Injectable()
export class LocalConnector implements Connector<LocalConfig> {
  readonly type = 'local' as const;
  readonly configSchema = localConfigSchema;
  readonly secretFields: readonly string[] = [];

  constructor(
    private readonly issuers: IssuerService,
    @Inject(ISSUANCE_CONFIG) private readonly config: IssuanceConfig,
  ) {}

  async issue(issuer: IssuerContext<LocalConfig>, r: IssueRequest): Promise<IssuedLeaf & { serialNumber: string }> {
    const ca = await this.issuers.ca(issuer.id);
    const base = this.config.CERTCTL_PUBLIC_BASE_URL.replace(/\/$/, '');
    const leaf = await terminalOnPkiError(() =>
      signLeaf({
        issuer: ca,
        subjectPublicKey: r.publicKey,
        commonName: r.commonName,
        sans: r.sans,
        ...(r.validitySeconds !== undefined ? { validitySeconds: r.validitySeconds } : { validityDays: r.validityDays }),
        ekus: r.ekus,
        crlDistributionUrl: `${base}/.well-known/pki/crl/${issuer.id}`,
        ocspUrl: `${base}/.well-known/pki/ocsp/${issuer.id}`,
        policy: r.policy,
      }),
    );
    return { certificatePem: leaf.certificatePem, chainPem: await this.issuers.chainPem(issuer.id), serialNumber: leaf.serialNumber };
  }

  renew(issuer: IssuerContext<LocalConfig>, r: IssueRequest) {
    return this.issue(issuer, r);
  }

  /** Nothing to tell: the revocation service records it, and this CA's CRL and OCSP answers carry it. */
  async revoke(): Promise<void> {}

  caChain(issuer: IssuerContext<LocalConfig>): Promise<string> {
    return this.issuers.chainPem(issuer.id);
  }

  async signCrl(issuer: IssuerContext<LocalConfig>, request: Omit<CrlRequest, 'issuer'>): Promise<Uint8Array> {
    return buildCrl({ ...request, issuer: await this.issuers.ca(issuer.id) });
  }

  /** The CA key decrypts (read afresh from the database) and signs a probe certificate that verifies under the CA certificate. */
  async healthCheck(issuer: IssuerContext<LocalConfig>): Promise<HealthResult> {
    try {
      this.issuers.forget(issuer.id);
      const ca = await this.issuers.ca(issuer.id);
      const probeKey = await generateKeyPair('ECDSA-P256');
      const probe = await signLeaf({
        issuer: ca,
        subjectPublicKey: probeKey.publicKey,
        commonName: 'certctl-connector-probe.invalid',
        sans: [],
        validitySeconds: 60,
        ekus: [],
      });
      const caCert = new X509Certificate(ca.certificatePem);
      if (!new X509Certificate(probe.certificatePem).verify(caCert.publicKey)) {
        return {
          ok: false,
          detail: 'the CA key signed a probe that does not verify under the CA certificate (key and certificate differ)',
        };
      }
      const days = Math.floor((new Date(caCert.validTo).getTime() - Date.now()) / 86400_000);
      return {
        ok: true,
        detail: `CA key decrypts and signs; CA certificate ${caCert.subject.replace(/\n/g, ', ')} valid for ${days} more days`,
      };
    } catch (err) {
      return {
        ok: false,
        detail: err instanceof AppError || err instanceof PkiError ? err.message : `probe failed: ${(err as Error).message}`,
      };
    }
  }
}

/** A PkiError at signing (a request the CA can never sign) is terminal; anything else is left as is. */
async function terminalOnPkiError<T>(fn: () => Promise<T>): Promise<T> {
  return translatePkiErrors(fn, { code: 'issuer_failure', detailPrefix: 'the local CA refused to sign' });
}
