import { contract } from '../contract';
import { privateKeyExportRequestSchema, privateKeyExportResponseSchema } from '../private-keys';

/** Download of a server-generated leaf key; decrypted only in issuance, audited by the gateway. */
export const IssuancePrivateKey = {
  export: contract({
    subject: 'certctl.v1.issuance.private-key.export',
    owner: 'issuance',
    callers: ['gateway'],
    request: privateKeyExportRequestSchema,
    response: privateKeyExportResponseSchema,
  }),
} as const;
