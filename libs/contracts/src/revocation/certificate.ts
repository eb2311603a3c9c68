import { contract } from '../contract';
import { revocationEventSchema, revocationSchema, revokeRequestSchema } from '../revocation-schemas';

/** Revocation of one certificate, and the events the revocation service publishes. */
export const RevocationCertificate = {
  /** The gateway's revoke route; ACME's revokeCert. */
  revoke: contract({
    subject: 'certctl.v1.revocation.certificate.revoke',
    owner: 'revocation',
    // inventory: a re-issuance campaign revokes the replaced versions.
    callers: ['gateway', 'acme', 'inventory'],
    request: revokeRequestSchema,
    response: revocationSchema,
  }),

  /** Also sent again for a repeated revocation. */
  revoked: contract({
    subject: 'certctl.v1.events.certificate.revoked',
    emitters: ['revocation'],
    // gateway: empties its cache of public OCSP/CRL answers (every replica, no queue group).
    consumers: ['notifications', 'gateway'],
    payload: revocationEventSchema,
  }),
  /** A certificateHold was lifted (removeFromCRL). */
  unrevoked: contract({
    subject: 'certctl.v1.events.certificate.unrevoked',
    emitters: ['revocation'],
    consumers: ['gateway'],
    payload: revocationEventSchema,
  }),
} as const;
