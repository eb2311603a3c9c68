import { z } from 'zod';
import { acmeAccountSchema, acmeListQuerySchema } from '../acme-schemas';
import { contract } from '../contract';

/** ACME accounts, read by the gateway's admin routes. */
export const AcmeAccount = {
  list: contract({
    subject: 'certctl.v1.acme.account.list',
    owner: 'acme',
    callers: ['gateway'],
    request: acmeListQuerySchema,
    response: z.object({ data: z.array(acmeAccountSchema) }),
  }),
} as const;
