export * from './types';
export { ChallengeValidator } from './challenge-validator';
export { refusedAddress, classifyAddress, reverseName } from '@certctl/platform';
export { canonicalIp } from '@certctl/pki';
export { keyAuthorizationDigest, dns01TxtValue } from './key-authorization';
export { checkTlsAlpnCertificate, ACME_TLS_ALPN, ACME_IDENTIFIER_OID } from './tls-alpn01';
