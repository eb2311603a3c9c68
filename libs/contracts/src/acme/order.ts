import { z } from 'zod';
import { acmeListQuerySchema, acmeOrderSummarySchema } from '../acme-schemas';
import { contract } from '../contract';

/** ACME orders: read by the gateway's admin routes; expired by the scheduler. */
export const AcmeOrder = {
  list: contract({
    subject: 'certctl.v1.acme.order.list',
    owner: 'acme',
    callers: ['gateway'],
    request: acmeListQuerySchema,
    response: z.object({ data: z.array(acmeOrderSummarySchema) }),
  }),
  /**
   * Expire orders and pending authorizations past their expiry (nonces expire in Redis by
   * themselves), and settle orders left processing (an interrupted finalization, or a job that
   * ended while no client polled).
   */
  gc: contract({
    subject: 'certctl.v1.acme.gc',
    owner: 'acme',
    callers: ['scheduler'],
    request: z.object({}),
    response: z.object({ orders_expired: z.number().int(), authorizations_expired: z.number().int(), orders_settled: z.number().int() }),
  }),
} as const;
