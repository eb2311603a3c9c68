import { z } from 'zod';
import { acmeProfileDefaultsBodySchema, acmeProfileSettingsSchema } from '../acme-schemas';
import { contract } from '../contract';
import { actorSchema, idSchema } from '../schemas';

/** An ACME profile's settings: where its certificates land and how challenges are validated. */
export const AcmeProfileSettings = {
  get: contract({
    subject: 'certctl.v1.acme.profile.get',
    owner: 'acme',
    callers: ['gateway'],
    request: z.object({ id: idSchema }),
    response: acmeProfileSettingsSchema,
  }),
  /** Sets the profile's issuer, owner, team and renewal policy (null: the server setting); every id must exist. */
  setDefaults: contract({
    subject: 'certctl.v1.acme.profile.set_defaults',
    owner: 'acme',
    callers: ['gateway'],
    request: z.object({ actor: actorSchema, id: idSchema, body: acmeProfileDefaultsBodySchema }),
    response: acmeProfileSettingsSchema,
  }),
} as const;
