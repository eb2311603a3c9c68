import { z } from 'zod';
import { contract } from '../contract';
import { bulkRevocationSchema, bulkStartRequestSchema } from '../revocation-schemas';
import { idSchema } from '../schemas';

/** Bulk revocations (by ids or filter), run in the background by the revocation service. */
export const RevocationBulk = {
  start: contract({
    subject: 'certctl.v1.revocation.bulk.start',
    owner: 'revocation',
    callers: ['gateway'],
    request: bulkStartRequestSchema,
    response: bulkRevocationSchema,
  }),
  get: contract({
    subject: 'certctl.v1.revocation.bulk.get',
    owner: 'revocation',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: bulkRevocationSchema,
  }),
} as const;
