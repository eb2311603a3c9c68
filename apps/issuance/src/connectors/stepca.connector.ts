import { Injectable } from '@nestjs/common';
import { type RevocationReason, reasonCode } from '@certctl/contracts';
import { getLogger } from '@certctl/observability';
import { parseCsr } from '@certctl/pki';
import {
  type Connector,
  ConnectorError,
  type HealthResult,
  type IssueRequest,
  type IssuedLeaf,
  type IssuerContext,
  type RevokeRequest,
} from './connector';
import { checkOutput } from './connector-support';
import { ProvisionerKeys, StepcaTrust, callStepca, oneTimeToken } from './stepca-client';
import { type StepcaConfig, stepcaConfigSchema } from './stepca-config';

export type { StepcaConfig } from './stepca-config';

/**
 * smallstep's step-ca through a JWK provisioner: the CSR goes to /1.0/sign with a one-time
 * token the platform signs with the provisioner's key; revocation goes to /1.0/revoke the same
 * way. A renewal is a new signature for the renewal's new CSR (step-ca's /1.0/renew needs mTLS
 * with the old certificate and keeps its key). Contract and setup: docs/connectors.md.
 */
@Injectable()
export class StepcaConnector implements Connector<StepcaConfig> {
  readonly type = 'stepca' as const;
  readonly configSchema = stepcaConfigSchema;
  readonly secretFields: readonly string[] = ['provisioner_password', 'provisioner_jwk'];
  private readonly trust = new StepcaTrust();
  private readonly keys = new ProvisionerKeys();

  async issue(issuer: IssuerContext<StepcaConfig>, request: IssueRequest): Promise<IssuedLeaf> {
    const config = issuer.config;
    const csrPem = await request.csrPem();
    const csr = await parseCsr(csrPem);
    const key = await this.keys.load(config);
    // The JWK provisioner signs exactly the token's names: the CSR's subject and SANs.
    const ott = await oneTimeToken(key, config, '/1.0/sign', csr.commonName ?? request.commonName, {
      sans: csr.sans.length ? csr.sans : request.sans,
    });
    const seconds = request.validitySeconds ?? request.validityDays * 86400;
    const answer = await callStepca(this.trust, config, 'sign', 'POST', '/1.0/sign', { csr: csrPem, ott, notAfter: `${seconds}s` });
    const leaf = await checkOutput(chainOf(answer.body), request, 'step-ca');
    getLogger().info({ issuer_id: issuer.id, job_id: request.jobId, serial: leaf.serialNumber }, 'certificate signed by step-ca');
    return leaf;
  }

  renew(issuer: IssuerContext<StepcaConfig>, request: IssueRequest): Promise<IssuedLeaf> {
    return this.issue(issuer, request);
  }

  /** /1.0/revoke with a token whose subject is the serial (decimal); already revoked is fine. */
  async revoke(issuer: IssuerContext<StepcaConfig>, request: RevokeRequest): Promise<void> {
    const config = issuer.config;
    const serial = BigInt(`0x${request.serialNumber}`).toString(10);
    const ott = await oneTimeToken(await this.keys.load(config), config, '/1.0/revoke', serial);
    const body = { serial, ott, reasonCode: reasonCode(request.reason as RevocationReason) ?? 0, reason: request.reason, passive: true };
    try {
      await callStepca(this.trust, config, 'revoke', 'POST', '/1.0/revoke', body);
    } catch (err) {
      if (err instanceof ConnectorError && /already (been )?revoked/i.test(err.message)) return;
      throw err;
    }
  }

  /** The intermediates and roots step-ca serves (PEM). */
  async caChain(issuer: IssuerContext<StepcaConfig>): Promise<string> {
    const pems: string[] = [];
    for (const path of ['/intermediates', '/roots']) {
      const answer = await callStepca(this.trust, issuer.config, path.slice(1), 'GET', path);
      const crts = answer.body.crts;
      if (Array.isArray(crts)) pems.push(...crts.filter((c): c is string => typeof c === 'string').map((c) => c.trim()));
    }
    return pems.length ? `${pems.join('\n')}\n` : '';
  }

  /** /health answers ok, the provisioner key can be used, and step-ca lists that provisioner with that key id. */
  async healthCheck(issuer: IssuerContext<StepcaConfig>): Promise<HealthResult> {
    const config = issuer.config;
    try {
      const health = await callStepca(this.trust, config, 'health', 'GET', '/health');
      if (health.body.status !== 'ok') return { ok: false, detail: `step-ca /health answers ${JSON.stringify(health.body)}` };
      const key = await this.keys.load(config);
      const listed = await callStepca(this.trust, config, 'provisioner list', 'GET', '/provisioners?limit=100');
      const provisioners = (Array.isArray(listed.body.provisioners) ? listed.body.provisioners : []) as {
        name?: string;
        type?: string;
        key?: { kid?: string };
      }[];
      const found = provisioners.find((p) => p.name === config.provisioner && p.type === 'JWK');
      if (!found) return { ok: false, detail: `step-ca at ${config.url} has no JWK provisioner named ${config.provisioner}` };
      if (found.key?.kid && found.key.kid !== key.kid) {
        return {
          ok: false,
          detail: `the configured key (kid ${key.kid}) is not provisioner ${config.provisioner}'s (kid ${found.key.kid})`,
        };
      }
      return { ok: true, detail: `step-ca at ${config.url} is healthy; JWK provisioner ${config.provisioner} (kid ${key.kid}) is ready` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }
}

/** The leaf then its chain, PEM, from a /1.0/sign answer (certChain, or crt + ca in older releases). */
function chainOf(body: Record<string, unknown>): string {
  const chain = Array.isArray(body.certChain) ? body.certChain.filter((c): c is string => typeof c === 'string') : [];
  if (chain.length) return chain.join('\n');
  return [body.crt, body.ca].filter((c): c is string => typeof c === 'string').join('\n');
}
