import { contract } from '../contract';
import { crlSignRequestSchema, crlSignResponseSchema } from '../revocation-schemas';

/** CRLs, signed by issuance for the revocation service (CA private keys never leave issuance). */
export const IssuanceCrl = {
  sign: contract({
    subject: 'certctl.v1.issuance.crl.sign',
    owner: 'issuance',
    callers: ['revocation'],
    request: crlSignRequestSchema,
    response: crlSignResponseSchema,
  }),
} as const;
