import { z } from 'zod';
import { idSchema, nameSchema } from './schemas';

/** CA hardening: name constraints on created CAs, and importing an existing CA (sub-CA under an enterprise root). */

const dnsList = z.array(z.string().min(1).max(253)).max(100);
const cidrList = z.array(z.string().min(1).max(50)).max(100);
const emailList = z.array(z.string().min(1).max(320)).max(100);

export const nameConstraintsSchema = z
  .strictObject({
    permitted_dns: dnsList.optional().describe('`example.com` permits it and every name below; `.example.com` only names below it'),
    excluded_dns: dnsList.optional(),
    permitted_ip: cidrList.optional().describe('CIDR blocks, IPv4 or IPv6: `10.0.0.0/8`, `2001:db8::/32`'),
    excluded_ip: cidrList.optional(),
    permitted_email: emailList
      .optional()
      .describe('`user@host` (one mailbox), `host` (its mailboxes) or `.domain` (mailboxes on hosts below it)'),
    excluded_email: emailList.optional(),
  })
  .describe('RFC 5280 name constraints, written as a critical extension and enforced at signing for this CA and every CA below it');
export type NameConstraintsInput = z.infer<typeof nameConstraintsSchema>;

const pem = (what: string) => z.string().min(1).max(65536).describe(what);

export const importIssuerBodySchema = z.strictObject({
  id: idSchema.optional().describe('Chosen id (default: generated)'),
  name: nameSchema,
  certificate_pem: pem('The CA certificate to import (one PEM block)'),
  private_key_pem: pem('Its private key: PKCS#8, SEC1 or PKCS#1 PEM, optionally encrypted'),
  passphrase: z.string().min(1).max(1024).optional().describe('Decrypts private_key_pem when it is encrypted; never stored'),
  chain_pem: pem('The intermediates above it and the self-signed root, PEM, any order').optional(),
});
