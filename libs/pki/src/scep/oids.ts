/**
 * SCEP (RFC 8894) names: the signed attributes of a pkiMessage (the VeriSign arc
 * 2.16.840.1.113733.1.9), the message types, statuses and failure reasons, and the CMS
 * object identifiers the messages use.
 */
export const ScepAttribute = {
  messageType: '2.16.840.1.113733.1.9.2',
  pkiStatus: '2.16.840.1.113733.1.9.3',
  failInfo: '2.16.840.1.113733.1.9.4',
  senderNonce: '2.16.840.1.113733.1.9.5',
  recipientNonce: '2.16.840.1.113733.1.9.6',
  transactionID: '2.16.840.1.113733.1.9.7',
  failInfoText: '1.3.6.1.5.5.7.24.1',
} as const;

export const CmsOid = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  challengePassword: '1.2.840.113549.1.9.7',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/** messageType values (PrintableString of a decimal number). */
export const ScepMessageType = {
  CertRep: '3',
  RenewalReq: '17',
  PKCSReq: '19',
  CertPoll: '20',
  GetCert: '21',
  GetCRL: '22',
} as const;
export type ScepMessageType = (typeof ScepMessageType)[keyof typeof ScepMessageType];

export const ScepPkiStatus = { SUCCESS: '0', FAILURE: '2', PENDING: '3' } as const;
export type ScepPkiStatus = (typeof ScepPkiStatus)[keyof typeof ScepPkiStatus];

export const ScepFailInfo = { badAlg: '0', badMessageCheck: '1', badRequest: '2', badTime: '3', badCertId: '4' } as const;
export type ScepFailInfoName = keyof typeof ScepFailInfo;

/** A request the server answers with a CertRep FAILURE carrying this failInfo. */
export class ScepFailure extends Error {
  constructor(
    readonly failInfo: ScepFailInfoName,
    message: string,
  ) {
    super(message);
    this.name = 'ScepFailure';
  }
}

/** What GetCACaps answers (RFC 8894 §3.5.2), one capability a line. */
export const SCEP_CA_CAPS = ['POSTPKIOperation', 'SHA-256', 'SHA-512', 'AES', 'SCEPStandard', 'Renewal'] as const;
