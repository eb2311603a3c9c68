import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** arn:<partition>:acm:<region>:<account>:certificate/<id> */
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]{1,200}$/;
/** ACM's tag rules (tag keys starting with aws: are AWS's own). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_TEXT_MESSAGE = 'may hold letters, digits, spaces and _ . : / = + - @';
function checkTagKeys(tags: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(tags)) {
    const problem =
      key.length < 1 || key.length > 127
        ? 'must be 1 to 127 characters'
        : !TAG_TEXT.test(key)
          ? TAG_TEXT_MESSAGE
          : key.toLowerCase().startsWith('aws:')
            ? 'must not start with aws: (reserved by AWS)'
            : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
}
const tagValue = z.string().max(255).regex(TAG_TEXT, TAG_TEXT_MESSAGE);

/**
 * An `aws-acm` target: the certificate, its chain and key imported into AWS Certificate Manager
 * in `region`, re-imported under the same ARN on renewal. Credentials come from the agent host's
 * standard AWS chain (environment, shared profile, web identity, instance role): none in here.
 */
export const awsAcmConfigSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region, e.g. eu-west-1'),
  endpoint: z
    .url()
    .max(2048)
    .refine((u) => {
      const url = new URL(u);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    }, 'must be an https URL (or http to a loopback address: an emulator)')
    .optional(),
  certificate_arn: z
    .string()
    .regex(ACM_ARN, 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)')
    .optional()
    .describe('Re-import into this certificate; default: the one this target imported before (or found by its certctl tag)'),
  tags: z
    .record(z.string(), tagValue)
    .superRefine(checkTagKeys)
    .refine((tags) => Object.keys(tags).length <= 45, 'at most 45 tags (ACM allows 50; certctl adds its own)')
    .default({}),
});
export type AwsAcmConfig = z.output<typeof awsAcmConfigSchema>;
