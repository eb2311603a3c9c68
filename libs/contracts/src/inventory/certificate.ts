import { z } from 'zod';
import { contract } from '../contract';
import {
  bulkRenewBodySchema,
  bulkRenewResponseSchema,
  certificateVersionsResponseSchema,
  renewResponseSchema,
  updateCertificateBodySchema,
} from '../inventory-lifecycle';
import { markExpiryRequestSchema, markExpiryResponseSchema } from '../renewal-scan';
import {
  bySerialRequestSchema,
  bySerialResponseSchema,
  inventoryRevokeRequestSchema,
  inventoryRevokeResponseSchema,
} from '../revocation-schemas';
import {
  actorSchema,
  certificateEventSchema,
  certificateSchema,
  createCertificateRequestSchema,
  createCertificateResponseSchema,
  getByIdSchema,
  idSchema,
  isoDateSchema,
  listCertificatesRequestSchema,
  listCertificatesResponseSchema,
} from '../schemas';

/** Managed certificates, owned by inventory: creation, reads, changes, renewal, expiry and revocation status, and their events. */
export const InventoryCertificate = {
  create: contract({
    subject: 'certctl.v1.inventory.certificate.create',
    owner: 'inventory',
    callers: ['gateway'],
    request: createCertificateRequestSchema,
    response: createCertificateResponseSchema,
  }),
  /** Revocation: what to revoke; notifications: the routing context of an alert; ACME: the certificate of an order. */
  get: contract({
    subject: 'certctl.v1.inventory.certificate.get',
    owner: 'inventory',
    callers: ['gateway', 'acme', 'revocation', 'notifications'],
    request: getByIdSchema,
    response: certificateSchema,
  }),
  /** Revocation: bulk revocation by filter. */
  list: contract({
    subject: 'certctl.v1.inventory.certificate.list',
    owner: 'inventory',
    callers: ['gateway', 'revocation'],
    request: listCertificatesRequestSchema,
    response: listCertificatesResponseSchema,
  }),
  versions: contract({
    subject: 'certctl.v1.inventory.certificate.versions',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: certificateVersionsResponseSchema,
  }),
  update: contract({
    subject: 'certctl.v1.inventory.certificate.update',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema, body: updateCertificateBodySchema }),
    response: certificateSchema,
  }),
  renew: contract({
    subject: 'certctl.v1.inventory.certificate.renew',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: renewResponseSchema,
  }),
  bulkRenew: contract({
    subject: 'certctl.v1.inventory.certificate.bulk-renew',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, body: bulkRenewBodySchema }),
    response: bulkRenewResponseSchema,
  }),
  archive: contract({
    subject: 'certctl.v1.inventory.certificate.archive',
    owner: 'inventory',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: z.object({ id: z.string(), status: z.literal('archived') }),
  }),
  /** The scheduler's expiry-status loop. */
  markExpiry: contract({
    subject: 'certctl.v1.inventory.certificate.mark-expiry',
    owner: 'inventory',
    callers: ['scheduler'],
    request: markExpiryRequestSchema,
    response: markExpiryResponseSchema,
  }),
  /** Revocation marks a certificate revoked (or lifts a hold); idempotent. */
  revoke: contract({
    subject: 'certctl.v1.inventory.certificate.revoke',
    owner: 'inventory',
    callers: ['revocation'],
    request: inventoryRevokeRequestSchema,
    response: inventoryRevokeResponseSchema,
  }),
  bySerial: contract({
    subject: 'certctl.v1.inventory.certificate.by-serial',
    owner: 'inventory',
    callers: ['revocation'],
    request: bySerialRequestSchema,
    response: bySerialResponseSchema,
  }),

  created: contract({
    subject: 'certctl.v1.events.certificate.created',
    emitters: ['inventory'],
    consumers: [],
    payload: certificateEventSchema,
  }),
  issued: contract({
    subject: 'certctl.v1.events.certificate.issued',
    emitters: ['inventory'],
    consumers: ['acme', 'notifications', 'gateway'],
    payload: certificateEventSchema,
  }),
  updated: contract({
    subject: 'certctl.v1.events.certificate.updated',
    emitters: ['inventory'],
    consumers: [],
    payload: z.object({ certificate_id: z.string(), actor: z.string(), fields: z.array(z.string()) }),
  }),
  renewed: contract({
    subject: 'certctl.v1.events.certificate.renewed',
    emitters: ['inventory'],
    consumers: [],
    payload: z.object({ certificate_id: z.string(), job_id: z.string(), serial_number: z.string(), not_after: isoDateSchema }),
  }),
  expired: contract({
    subject: 'certctl.v1.events.certificate.expired',
    emitters: ['inventory'],
    consumers: [],
    payload: z.object({ certificate_id: z.string(), expired_at: isoDateSchema }),
  }),
  renewalRequested: contract({
    subject: 'certctl.v1.events.certificate.renewal-requested',
    emitters: ['inventory'],
    consumers: [],
    payload: z.object({ certificate_id: z.string(), job_id: z.string(), actor: z.string() }),
  }),
} as const;
