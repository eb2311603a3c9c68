import { X509Certificate } from 'node:crypto';
import {
  ACMClient,
  AddTagsToCertificateCommand,
  DescribeCertificateCommand,
  GetCertificateCommand,
  ImportCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
} from '@aws-sdk/client-acm';
import { TargetError } from '../target';
import type { AwsAcmConfig } from './config';

type Step = 'deploy' | 'validate' | 'verify' | 'rollback';

/** What ImportCertificate sends: the leaf, its chain (may be empty) and the key, PEM. */
export interface AcmMaterial {
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
}

/** One SDK call; a failure becomes a TargetError of `step` naming the ACM action and AWS's error. */
async function call<T>(step: Step, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = err as { name?: string; message?: string };
    throw new TargetError(step, `ACM ${action} failed: ${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`);
  }
}

/** The ACM calls the aws-acm target makes, on one client per deployment. */
export class AcmApi {
  private readonly client: ACMClient;

  constructor(config: AwsAcmConfig) {
    this.client = new ACMClient({ region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
  }

  close(): void {
    this.client.destroy();
  }

  /** ImportCertificate: a new ARN without `arn`, a re-import into `arn` with it (tags only on a first import, as ACM requires). */
  async importCertificate(step: Step, material: AcmMaterial, arn: string | undefined, tags: Record<string, string>): Promise<string> {
    const chain = material.chainPem.trim();
    const answer = await call(step, 'ImportCertificate', () =>
      this.client.send(
        new ImportCertificateCommand({
          Certificate: Buffer.from(material.certificatePem.trim()),
          PrivateKey: Buffer.from(material.privateKeyPem.trim()),
          ...(chain ? { CertificateChain: Buffer.from(chain) } : {}),
          ...(arn ? { CertificateArn: arn } : { Tags: toTagList(tags) }),
        }),
      ),
    );
    if (!answer.CertificateArn) throw new TargetError(step, 'ACM ImportCertificate answered no CertificateArn');
    return answer.CertificateArn;
  }

  addTags(arn: string, tags: Record<string, string>): Promise<unknown> {
    return call('deploy', 'AddTagsToCertificate', () =>
      this.client.send(new AddTagsToCertificateCommand({ CertificateArn: arn, Tags: toTagList(tags) })),
    );
  }

  async tags(arn: string): Promise<Record<string, string>> {
    const answer = await call('validate', 'ListTagsForCertificate', () =>
      this.client.send(new ListTagsForCertificateCommand({ CertificateArn: arn })),
    );
    return Object.fromEntries((answer.Tags ?? []).map((tag) => [tag.Key!, tag.Value ?? '']));
  }

  /** The imported certificate whose tag `key` is `value` (the newest ones first checked), if any. */
  async findByTag(key: string, value: string): Promise<string | undefined> {
    let next: string | undefined;
    do {
      const page = await call('deploy', 'ListCertificates', () =>
        this.client.send(new ListCertificatesCommand({ NextToken: next, MaxItems: 100 })),
      );
      for (const summary of page.CertificateSummaryList ?? []) {
        if (summary.CertificateArn && (await this.tags(summary.CertificateArn))[key] === value) return summary.CertificateArn;
      }
      next = page.NextToken;
    } while (next);
    return undefined;
  }

  /** DescribeCertificate: its status and serial (ACM's lowercase colon-separated form). */
  async describe(arn: string): Promise<{ status: string; serial: string; type: string }> {
    const answer = await call('validate', 'DescribeCertificate', () =>
      this.client.send(new DescribeCertificateCommand({ CertificateArn: arn })),
    );
    const detail = answer.Certificate ?? {};
    return { status: detail.Status ?? 'UNKNOWN', serial: detail.Serial ?? '', type: detail.Type ?? '' };
  }

  /** SHA-256 of the leaf ACM holds under `arn`, lowercase hex. */
  async fingerprint(arn: string): Promise<string> {
    const answer = await call('verify', 'GetCertificate', () => this.client.send(new GetCertificateCommand({ CertificateArn: arn })));
    if (!answer.Certificate) throw new TargetError('verify', `ACM GetCertificate answered no certificate for ${arn}`);
    return new X509Certificate(answer.Certificate).fingerprint256.replaceAll(':', '').toLowerCase();
  }
}

function toTagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * A serial as a number, from ACM's DescribeCertificate form (hex byte pairs with colons) or
 * moto's (decimal digits), so the two compare with a leaf's own serial.
 */
export function serialValue(serial: string): bigint | undefined {
  if (/^\d+$/.test(serial)) return BigInt(serial);
  const hex = serial.replaceAll(':', '');
  return /^[0-9a-fA-F]+$/.test(hex) ? BigInt(`0x${hex}`) : undefined;
}

/** A leaf's serial as a number. */
export function leafSerialValue(certificatePem: string): bigint {
  return BigInt(`0x${new X509Certificate(certificatePem).serialNumber}`);
}
