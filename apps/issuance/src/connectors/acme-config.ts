import { z } from 'zod';
import { argSchema, executableSchema, isCertificateBundle } from './connector-support';

/** A hook command: an absolute executable then fixed arguments (never request data). */
const hookCommandSchema = z
  .tuple([executableSchema], argSchema)
  .refine((c) => c.length <= 64, 'at most 64 elements')
  .describe('[absolute executable, ...fixed arguments]');

export function acmeConfigSchema(allowHttp: boolean) {
  return z
    .strictObject({
      directory_url: z
        .url()
        .max(2048)
        .refine(
          (u) => {
            const protocol = new URL(u).protocol;
            return protocol === 'https:' || (allowHttp && protocol === 'http:');
          },
          `must be an https URL${allowHttp ? ' (or http)' : ' (RFC 8555)'}`,
        )
        .describe("The CA's directory, e.g. https://acme-v02.api.letsencrypt.org/directory or https://<platform>/acme/directory"),
      email: z.email().max(254).describe('Account contact (mailto:)'),
      eab: z
        .strictObject({
          kid: z.string().min(1).max(512),
          hmac_key: z
            .string()
            .min(16)
            .max(1024)
            .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url'),
        })
        .optional()
        .describe('External account binding (secret: masked in answers)'),
      challenge: z.enum(['dns-01', 'http-01']).default('dns-01'),
      dns_hook: z
        .strictObject({
          present: hookCommandSchema,
          cleanup: hookCommandSchema.optional(),
          timeout_ms: z.number().int().min(100).max(300000).default(30000),
          propagation_delay_ms: z
            .number()
            .int()
            .min(0)
            .max(600000)
            .default(0)
            .describe('Wait after present before the CA is asked to validate'),
        })
        .optional()
        .describe('dns-01: operator scripts that publish and remove the TXT record'),
      http01_ttl_seconds: z.number().int().min(30).max(86400).default(3600).describe('How long a token is served (http-01)'),
      ca_bundle_pem: z
        .string()
        .max(256 * 1024)
        .refine(isCertificateBundle, 'must be one or more PEM certificates')
        .optional()
        .describe('Trust these CAs for the directory (a private ACME CA, e.g. this platform)'),
      profile: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/)
        .optional()
        .describe('Certificate profile requested in newOrder (CAs that support ACME profiles); or use a profile directory URL'),
      order_timeout_ms: z
        .number()
        .int()
        .min(1000)
        .max(600000)
        .default(120000)
        .describe('How long one request to the CA may keep retrying (acme-client backoff)'),
      inline_wait_ms: z
        .number()
        .int()
        .min(0)
        .max(600000)
        .default(10000)
        .describe(
          'How long the issuing job waits for the CA to validate and issue; past it the job waits in awaiting_ca and the order is polled without holding a worker',
        ),
      account_key_pem: z.string().max(16384).optional().describe('The ACME account key; generated on first use, secret'),
      account_url: z.url().optional().describe('The account URL, recorded when the account is created'),
    })
    .superRefine((c, ctx) => {
      if (c.challenge === 'dns-01' && !c.dns_hook) ctx.addIssue({ code: 'custom', path: ['dns_hook'], message: 'is required for dns-01' });
    });
}
export type AcmeConfig = z.output<ReturnType<typeof acmeConfigSchema>>;
