import { setTimeout as sleep } from 'node:timers/promises';
import {
  ACMPCAClient,
  DescribeCertificateAuthorityCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
  RevokeCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import { Injectable } from '@nestjs/common';
import { getLogger } from '@certctl/observability';
import { type AwsAcmPcaConfig, awsAcmPcaConfigSchema } from './aws-acm-pca-config';
import { awsConnectorError, awsRevocationReason, awsSerial, awsValidity, idempotencyToken, pollDelays } from './aws-acm-pca-support';
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

export type { AwsAcmPcaConfig } from './aws-acm-pca-config';

type Issuer = IssuerContext<AwsAcmPcaConfig>;

/**
 * AWS Private CA (ACM PCA) through the AWS SDK for JavaScript v3: IssueCertificate with the
 * request's CSR, the profile's validity and the configured template, GetCertificate until the
 * certificate is ready (with its chain), RevokeCertificate.
 * Contract and IAM policy: docs/connectors.md.
 */
@Injectable()
export class AwsAcmPcaConnector implements Connector<AwsAcmPcaConfig> {
  readonly type = 'aws-acm-pca' as const;
  readonly configSchema = awsAcmPcaConfigSchema;
  readonly secretFields: readonly string[] = ['secret_access_key', 'session_token'];

  async issue(issuer: Issuer, request: IssueRequest): Promise<IssuedLeaf> {
    return this.withClient(issuer, async (client) => {
      const config = issuer.config;
      const signingAlgorithm = config.signing_algorithm ?? (await this.caSigningAlgorithm(client, config));
      const csrPem = await request.csrPem();
      const issued = await send('IssueCertificate', () =>
        client.send(
          new IssueCertificateCommand({
            CertificateAuthorityArn: config.certificate_authority_arn,
            Csr: Buffer.from(csrPem),
            SigningAlgorithm: signingAlgorithm,
            TemplateArn: config.template_arn,
            Validity: awsValidity(request),
            IdempotencyToken: idempotencyToken(request.jobId),
          }),
        ),
      );
      const certificateArn = issued.CertificateArn;
      if (!certificateArn) throw ConnectorError.terminal('AWS Private CA IssueCertificate answered no CertificateArn');
      getLogger().info({ issuer_id: issuer.id, job_id: request.jobId, certificate_arn: certificateArn }, 'AWS Private CA issued');
      const { certificate, chain } = await this.waitForCertificate(client, config, certificateArn);
      return checkOutput(`${certificate}\n${chain}`, request, 'AWS Private CA');
    });
  }

  renew(issuer: Issuer, request: IssueRequest): Promise<IssuedLeaf> {
    return this.issue(issuer, request);
  }

  async revoke(issuer: Issuer, request: RevokeRequest): Promise<void> {
    const reason = awsRevocationReason(request.reason);
    await this.withClient(issuer, (client) =>
      send('RevokeCertificate', () =>
        client.send(
          new RevokeCertificateCommand({
            CertificateAuthorityArn: issuer.config.certificate_authority_arn,
            CertificateSerial: awsSerial(request.serialNumber),
            RevocationReason: reason as never,
          }),
        ),
      ),
    );
  }

  /** DescribeCertificateAuthority: ok when the CA exists, is reachable with these credentials and is ACTIVE. */
  async healthCheck(issuer: Issuer): Promise<HealthResult> {
    try {
      return await this.withClient(issuer, async (client) => {
        const ca = await this.describe(client, issuer.config);
        const status = ca?.Status ?? 'UNKNOWN';
        const what = `${ca?.Type ?? 'private'} CA ${issuer.config.certificate_authority_arn}`;
        if (status !== 'ACTIVE') return { ok: false, detail: `${what} is ${status}, not ACTIVE` };
        const notAfter = ca?.NotAfter ? `, valid until ${ca.NotAfter.toISOString()}` : '';
        return { ok: true, detail: `${what} is ACTIVE (${ca?.CertificateAuthorityConfiguration?.KeyAlgorithm ?? 'key'}${notAfter})` };
      });
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  /** GetCertificate until it stops answering RequestInProgress (bounded backoff, issue_timeout_ms in all). */
  private async waitForCertificate(client: ACMPCAClient, config: AwsAcmPcaConfig, certificateArn: string) {
    const get = () =>
      send('GetCertificate', () =>
        client.send(
          new GetCertificateCommand({ CertificateAuthorityArn: config.certificate_authority_arn, CertificateArn: certificateArn }),
        ),
      );
    let last: ConnectorError | undefined;
    for (const delay of [0, ...pollDelays(config.issue_timeout_ms)]) {
      if (delay) await sleep(delay);
      try {
        const answer = await get();
        if (!answer.Certificate) throw ConnectorError.terminal('AWS Private CA GetCertificate answered no certificate');
        return { certificate: answer.Certificate.trim(), chain: answer.CertificateChain?.trim() ?? '' };
      } catch (err) {
        if (!(err instanceof ConnectorError) || !/RequestInProgress/.test(err.message)) throw err;
        last = err;
      }
    }
    throw ConnectorError.retryable(
      `AWS Private CA had not issued ${certificateArn} after ${config.issue_timeout_ms} ms (${last?.message ?? 'still in progress'})`,
    );
  }

  private async caSigningAlgorithm(
    client: ACMPCAClient,
    config: AwsAcmPcaConfig,
  ): Promise<IssueCertificateCommand['input']['SigningAlgorithm']> {
    const algorithm = (await this.describe(client, config))?.CertificateAuthorityConfiguration?.SigningAlgorithm;
    if (!algorithm)
      throw ConnectorError.terminal('AWS Private CA: the CA configuration names no signing algorithm; set config.signing_algorithm');
    return algorithm;
  }

  private async describe(client: ACMPCAClient, config: AwsAcmPcaConfig) {
    const answer = await send('DescribeCertificateAuthority', () =>
      client.send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: config.certificate_authority_arn })),
    );
    return answer.CertificateAuthority;
  }

  private async withClient<T>(issuer: Issuer, fn: (client: ACMPCAClient) => Promise<T>): Promise<T> {
    const config = issuer.config;
    const client = new ACMPCAClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.access_key_id
        ? {
            credentials: {
              accessKeyId: config.access_key_id,
              secretAccessKey: config.secret_access_key!,
              ...(config.session_token ? { sessionToken: config.session_token } : {}),
            },
          }
        : {}),
    });
    try {
      return await fn(client);
    } finally {
      client.destroy();
    }
  }
}

/** One SDK call, its failure mapped to a retryable or terminal ConnectorError. */
async function send<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw awsConnectorError(action, err);
  }
}
