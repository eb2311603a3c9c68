import { z } from 'zod';
import { contract } from '../contract';

/** The CRLs the revocation service builds and serves. */
export const RevocationCrl = {
  /** The scheduler's CRL-refresh loop: rebuild the CRLs older than the refresh age. */
  refresh: contract({
    subject: 'certctl.v1.revocation.crl.refresh',
    owner: 'revocation',
    callers: ['scheduler'],
    request: z.object({}),
    response: z.object({ rebuilt: z.array(z.string()) }),
  }),
} as const;
