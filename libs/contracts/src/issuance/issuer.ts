import { z } from 'zod';
import { contract } from '../contract';
import { importIssuerBodySchema } from '../issuer-ca';
import { createIssuerBodySchema, issuerTestResponseSchema, issuerTreeSchema, issuerTypesResponseSchema } from '../issuers';
import { actorSchema, getByIdSchema, idSchema, issuerSchema, listIssuersResponseSchema } from '../schemas';

/** Issuers, owned by issuance: the local CA hierarchy, imported CAs, connector issuers. */
export const IssuanceIssuer = {
  get: contract({
    subject: 'certctl.v1.issuance.issuer.get',
    owner: 'issuance',
    callers: ['gateway', 'inventory', 'revocation', 'acme'],
    request: getByIdSchema,
    response: issuerSchema,
  }),
  list: contract({
    subject: 'certctl.v1.issuance.issuer.list',
    owner: 'issuance',
    callers: ['gateway'],
    request: z.object({}),
    response: listIssuersResponseSchema,
  }),
  create: contract({
    subject: 'certctl.v1.issuance.issuer.create',
    owner: 'issuance',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, body: createIssuerBodySchema }),
    response: issuerSchema,
  }),
  hierarchy: contract({
    subject: 'certctl.v1.issuance.issuer.hierarchy',
    owner: 'issuance',
    // inventory: a re-issuance campaign selects the certificates of an issuer's whole subtree.
    callers: ['gateway', 'inventory'],
    request: z.object({ id: idSchema }),
    response: issuerTreeSchema,
  }),
  retire: contract({
    subject: 'certctl.v1.issuance.issuer.retire',
    owner: 'issuance',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: issuerSchema,
  }),
  test: contract({
    subject: 'certctl.v1.issuance.issuer.test',
    owner: 'issuance',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: issuerTestResponseSchema,
  }),
  /** The connector issuer types and the JSON Schema of each one's config (the dashboard's forms). */
  types: contract({
    subject: 'certctl.v1.issuance.issuer.types',
    owner: 'issuance',
    callers: ['gateway'],
    request: z.object({}),
    response: issuerTypesResponseSchema,
  }),
  /** Tells the issuer's CA about a revocation (the local CA needs nothing: its CRL and OCSP carry it). */
  revoke: contract({
    subject: 'certctl.v1.issuance.issuer.revoke',
    owner: 'issuance',
    callers: ['revocation'],
    request: z.object({ issuer_id: idSchema, serial_number: z.string().regex(/^[0-9a-f]{1,80}$/), reason: z.string().min(1).max(64) }),
    response: z.object({ issuer_type: z.string() }),
  }),
  /** Imports an existing CA (a sub-CA under an enterprise root). */
  import: contract({
    subject: 'certctl.v1.issuance.issuer.import',
    owner: 'issuance',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, body: importIssuerBodySchema }),
    response: issuerSchema,
  }),
} as const;
