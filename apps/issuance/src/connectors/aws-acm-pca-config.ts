import { z } from 'zod';

/** arn:<partition>:acm-pca:<region>:<account>:certificate-authority/<id> */
const CA_ARN = /^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[A-Za-z0-9-]{1,200}$/;
/** arn:<partition>:acm-pca:::template/<Name>/V<n> (AWS's own templates) */
const TEMPLATE_ARN = /^arn:aws[a-z-]*:acm-pca:::template\/[A-Za-z0-9_]+\/V\d+$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const DEFAULT_TEMPLATE_ARN = 'arn:aws:acm-pca:::template/EndEntityCertificate/V1';
export const SIGNING_ALGORITHMS = [
  'SHA256WITHECDSA',
  'SHA384WITHECDSA',
  'SHA512WITHECDSA',
  'SHA256WITHRSA',
  'SHA384WITHRSA',
  'SHA512WITHRSA',
] as const;

/** An AWS API endpoint override: https (a VPC endpoint), or http to a loopback address only (an emulator such as moto). */
export const awsEndpointSchema = z
  .url()
  .max(2048)
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }, 'must be an https URL (or http to a loopback address: an emulator)');

export const awsRegionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region, e.g. eu-west-1');

/**
 * An `aws-acm-pca` issuer: the CA's ARN and region; credentials from the standard AWS chain
 * (environment, shared profile, web identity, instance role) unless a static access key is given.
 */
export const awsAcmPcaConfigSchema = z
  .strictObject({
    region: awsRegionSchema,
    certificate_authority_arn: z
      .string()
      .regex(CA_ARN, 'must be an AWS Private CA ARN (arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>)'),
    template_arn: z.string().regex(TEMPLATE_ARN, 'must be an AWS Private CA template ARN').default(DEFAULT_TEMPLATE_ARN),
    signing_algorithm: z
      .enum(SIGNING_ALGORITHMS)
      .optional()
      .describe("The CA's signing algorithm; default: the one in the CA's configuration (DescribeCertificateAuthority)"),
    endpoint: awsEndpointSchema.optional().describe('API endpoint override: a VPC endpoint, or an emulator on loopback'),
    access_key_id: z
      .string()
      .regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id')
      .optional()
      .describe('Static credentials; omit to use the standard AWS credential chain'),
    secret_access_key: z.string().min(1).max(256).optional().describe('Secret: masked in answers'),
    session_token: z.string().min(1).max(4096).optional().describe('Temporary credentials only; secret'),
    issue_timeout_ms: z.number().int().min(1000).max(600000).default(120000).describe('How long to wait for an issued certificate'),
  })
  .superRefine((c, ctx) => {
    if (c.access_key_id && !c.secret_access_key)
      ctx.addIssue({ code: 'custom', path: ['secret_access_key'], message: 'is required with access_key_id' });
    if (!c.access_key_id && (c.secret_access_key || c.session_token)) {
      ctx.addIssue({ code: 'custom', path: ['access_key_id'], message: 'is required with secret_access_key/session_token' });
    }
    // zod runs this even when a field failed above: compare regions only when both are well-formed.
    const arnRegion = c.certificate_authority_arn.split(':')[3];
    const comparable = CA_ARN.test(c.certificate_authority_arn) && awsRegionSchema.safeParse(c.region).success;
    if (comparable && arnRegion !== c.region) {
      ctx.addIssue({ code: 'custom', path: ['certificate_authority_arn'], message: `is in region ${arnRegion}, not ${c.region}` });
    }
  });
export type AwsAcmPcaConfig = z.output<typeof awsAcmPcaConfigSchema>;
