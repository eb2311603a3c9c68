// The validators' environment variables, for the acme service's config schema to extend
// (acmeEnvSchema.extend(validatorEnvSchema.shape)) and validatorOptions() to turn into options.
import { emptyAsUnset, portSchema } from '@certctl/config';
import { z } from 'zod';
import { parseIp } from './address-policy';
import { DEFAULT_VALIDATOR_OPTIONS, type ValidatorOptions } from './types';

/** "1.2.3.4", "1.2.3.4:53", "[::1]:53" or "::1": what Resolver.setServers accepts (an address, not a name). */
export function isDnsServerAddress(s: string): boolean {
  const m = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(s);
  if (m) return parseIp(m[1]!) !== null && (m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535));
  return parseIp(s)?.family === 6;
}

const booleanSchema = z.preprocess(emptyAsUnset, z.enum(['true', 'false', '1', '0']).optional());

export const validatorEnvSchema = z.object({
  CERTCTL_ACME_HTTP01_PORT: portSchema(DEFAULT_VALIDATOR_OPTIONS.http01Port),
  CERTCTL_ACME_TLSALPN01_PORT: portSchema(DEFAULT_VALIDATOR_OPTIONS.tlsAlpn01Port),
  CERTCTL_ACME_DNS_SERVER: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .refine(isDnsServerAddress, 'must be an IP address with an optional port: 10.0.0.53, 10.0.0.53:5353, [fd00::53]:53')
      .optional(),
  ),
  /** Unset: allowed only when NODE_ENV=test. */
  CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES: booleanSchema,
  CERTCTL_ACME_VALIDATION_TIMEOUT_MS: z.coerce.number().int().min(100).max(120000).default(DEFAULT_VALIDATOR_OPTIONS.timeoutMs),
  CERTCTL_ACME_HTTP01_MAX_REDIRECTS: z.coerce.number().int().min(0).max(50).default(DEFAULT_VALIDATOR_OPTIONS.maxRedirects),
  CERTCTL_ACME_HTTP01_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(128)
    .max(1024 * 1024)
    .default(DEFAULT_VALIDATOR_OPTIONS.maxBodyBytes),
});
export type ValidatorEnv = z.output<typeof validatorEnvSchema>;

export function validatorOptions(env: ValidatorEnv & { NODE_ENV?: string }): ValidatorOptions {
  const allow = env.CERTCTL_ACME_ALLOW_PRIVATE_ADDRESSES;
  return {
    http01Port: env.CERTCTL_ACME_HTTP01_PORT,
    tlsAlpn01Port: env.CERTCTL_ACME_TLSALPN01_PORT,
    dnsServer: env.CERTCTL_ACME_DNS_SERVER,
    allowPrivateAddresses: allow === undefined ? env.NODE_ENV === 'test' : allow === 'true' || allow === '1',
    timeoutMs: env.CERTCTL_ACME_VALIDATION_TIMEOUT_MS,
    maxRedirects: env.CERTCTL_ACME_HTTP01_MAX_REDIRECTS,
    maxBodyBytes: env.CERTCTL_ACME_HTTP01_MAX_BODY_BYTES,
  };
}
