import { contract } from '../contract';
import { serverCertificateIssueRequestSchema, serverCertificateIssueResponseSchema } from '../platform-tls';

/**
 * Server certificates for the platform's own listeners (the gateway's HTTPS port): the key
 * is made in issuance, returned once in the reply and never stored there.
 */
export const IssuanceServerCertificate = {
  issue: contract({
    subject: 'certctl.v1.issuance.server-certificate.issue',
    owner: 'issuance',
    callers: ['gateway'],
    request: serverCertificateIssueRequestSchema,
    response: serverCertificateIssueResponseSchema,
  }),
} as const;
