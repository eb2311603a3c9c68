import { contract } from '../contract';
import { scepRaIssueRequestSchema, scepRaIssueResponseSchema } from '../scep-schemas';

/** The SCEP RA certificate of an enrollment profile: signed by the profile's issuer, key in the reply only. */
export const IssuanceScepRa = {
  issue: contract({
    subject: 'certctl.v1.issuance.scep-ra.issue',
    owner: 'issuance',
    callers: ['gateway'],
    request: scepRaIssueRequestSchema,
    response: scepRaIssueResponseSchema,
  }),
} as const;
