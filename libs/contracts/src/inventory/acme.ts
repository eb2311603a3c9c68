import { acmeInventoryIssueRequestSchema, acmeInventoryIssueResponseSchema } from '../acme-schemas';
import { contract } from '../contract';

/** What ACME orders issue, recorded by inventory. */
export const InventoryAcme = {
  /** One ACME finalize: inventory creates (or renews) the managed certificate and queues its job with the client's CSR. */
  issue: contract({
    subject: 'certctl.v1.inventory.acme.issue',
    owner: 'inventory',
    callers: ['acme'],
    request: acmeInventoryIssueRequestSchema,
    response: acmeInventoryIssueResponseSchema,
  }),
} as const;
