import { contract } from '../contract';
import {
  privateKeyExportRequestSchema,
  privateKeyExportResponseSchema,
  privateKeyImportRequestSchema,
  privateKeyImportResponseSchema,
} from '../private-keys';

/** Download of a server-generated leaf key; decrypted only in issuance, audited by the gateway. */
export const IssuancePrivateKey = {
  export: contract({
    subject: 'certctl.v1.issuance.private-key.export',
    owner: 'issuance',
    callers: ['gateway'],
    request: privateKeyExportRequestSchema,
    response: privateKeyExportResponseSchema,
  }),
  /** The key of an imported certificate, stored encrypted (inventory calls it before it creates the certificate). */
  import: contract({
    subject: 'certctl.v1.issuance.private-key.import',
    owner: 'issuance',
    callers: ['inventory'],
    request: privateKeyImportRequestSchema,
    response: privateKeyImportResponseSchema,
  }),
} as const;
