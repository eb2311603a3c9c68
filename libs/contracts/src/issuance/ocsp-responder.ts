import { contract } from '../contract';
import { ocspResponderIssueRequestSchema, ocspResponderIssueResponseSchema } from '../revocation-schemas';

/** Delegated OCSP responder certificates, issued for the revocation service. */
export const IssuanceOcspResponder = {
  issue: contract({
    subject: 'certctl.v1.issuance.ocsp-responder.issue',
    owner: 'issuance',
    callers: ['revocation'],
    request: ocspResponderIssueRequestSchema,
    response: ocspResponderIssueResponseSchema,
  }),
} as const;
