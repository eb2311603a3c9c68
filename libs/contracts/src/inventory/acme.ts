import {
  acmeInventoryIssueRequestSchema,
  acmeInventoryIssueResponseSchema,
  acmeInventoryIssuedRequestSchema,
  acmeInventoryIssuedResponseSchema,
} from '../acme-schemas';
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
  /**
   * The certificate an ACME order's job stored (one indexed read): what finalize serves once the
   * job's certificate-issued event woke it, without the whole certificate record.
   */
  issued: contract({
    subject: 'certctl.v1.inventory.acme.issued',
    owner: 'inventory',
    callers: ['acme'],
    request: acmeInventoryIssuedRequestSchema,
    response: acmeInventoryIssuedResponseSchema,
  }),
} as const;
