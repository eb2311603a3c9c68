import { z } from 'zod';
import { acmeEabCreateBodySchema, acmeEabCreatedSchema, acmeEabKeySchema } from '../acme-schemas';
import { contract } from '../contract';
import { actorSchema, idSchema } from '../schemas';

/** External account binding keys, managed by the gateway's admin routes. */
export const AcmeEab = {
  create: contract({
    subject: 'certctl.v1.acme.eab.create',
    owner: 'acme',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, body: acmeEabCreateBodySchema }),
    response: acmeEabCreatedSchema,
  }),
  list: contract({
    subject: 'certctl.v1.acme.eab.list',
    owner: 'acme',
    callers: ['gateway'],
    request: z.object({}),
    response: z.object({ data: z.array(acmeEabKeySchema) }),
  }),
  delete: contract({
    subject: 'certctl.v1.acme.eab.delete',
    owner: 'acme',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema }),
    response: z.object({ id: z.string(), deleted: z.boolean() }),
  }),
} as const;
